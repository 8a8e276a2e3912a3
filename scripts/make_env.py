"""Create or complete .env from .env.example, generating secrets.

Usage: python scripts/make_env.py .env.example .env [--add-missing]
Values written as `generate` in the example become random URL-safe secrets.
With --add-missing, keys present in the example but absent from .env are appended
(so new settings reach existing installs) and nothing else is touched.
"""

import re
import secrets
import sys
from pathlib import Path

KEY_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def resolve(value: str) -> str:
    return secrets.token_urlsafe(32) if value == "generate" else value


def main(example: Path, target: Path, add_missing: bool) -> None:
    example_lines = example.read_text().splitlines()
    if not add_missing or not target.exists():
        out = []
        for line in example_lines:
            match = KEY_LINE.match(line)
            out.append(f"{match[1]}={resolve(match[2])}" if match else line)
        target.write_text("\n".join(out) + "\n")
        target.chmod(0o600)
        return
    present = {m[1] for line in target.read_text().splitlines() if (m := KEY_LINE.match(line))}
    missing = [m for line in example_lines if (m := KEY_LINE.match(line)) and m[1] not in present]
    if missing:
        with target.open("a") as fh:
            for match in missing:
                fh.write(f"{match[1]}={resolve(match[2])}\n")
        print(f"[setup] added to .env: {', '.join(m[1] for m in missing)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), "--add-missing" in sys.argv[3:])
