# Source me. Exports every KEY=value of .env that the shell has not set already,
# so `FOO=1 make run` overrides .env. Values are taken literally (no quotes).
if [[ -f .env ]]; then
  while IFS= read -r _line || [[ -n "$_line" ]]; do
    [[ $_line =~ ^([A-Z][A-Z0-9_]*)=(.*)$ ]] || continue
    [[ -n "${!BASH_REMATCH[1]+x}" ]] || export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done < .env
  unset _line
fi
