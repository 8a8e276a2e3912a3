"""Values from the CRM must come out of translation exactly as they went in."""

import pytest

from bot.translation.placeholders import number_back, protect, renumber, restore

VALUES = [
    ("Your order 482913 has shipped.", "482913"),
    ("Order #482913 please", "#482913"),
    ("About ticket T10234 and t-10234", "T10234"),
    ("Track it at https://track.example.com/ABC123?x=1.", "https://track.example.com/ABC123?x=1"),
    ("or www.shop.example/returns!", "www.shop.example/returns"),
    ("Write to help.desk+fr@shop.example.com today", "help.desk+fr@shop.example.com"),
    ("It costs €49.90 in total", "€49.90"),
    ("Es kostet 49,90 € insgesamt", "49,90 €"),
    ("Refund of 1.234,50 EUR issued", "1.234,50 EUR"),
    ("Your tracking code is 1Z999AA10123456784", "1Z999AA10123456784"),
    ("Delivery on 2026-11-25 at 14:00", "2026-11-25"),
    ("Hello {first_name}, your order {order_number}", "{order_number}"),
]


@pytest.mark.parametrize("text, value", VALUES)
def test_values_are_hidden_from_the_model_and_restored_exactly(text, value):
    protected = protect(text)
    assert value not in protected.text
    assert value in protected.values
    assert restore(protected.text, protected.values) == text


def test_a_translation_that_moves_tokens_gets_the_values_in_their_new_place():
    protected = protect("Order 482913 costs €12.50.")
    assert protected.text == "Order [0] costs [1]."
    assert restore("El pedido [0] cuesta [1].", protected.values) == "El pedido 482913 cuesta €12.50."
    assert restore("[1] kostet die Bestellung [ 0 ].", protected.values) == "€12.50 kostet die Bestellung 482913."


def test_a_dropped_token_still_delivers_its_value_and_invented_tokens_vanish():
    protected = protect("Your order 482913 ships to you via https://t.example/1Z9.")
    assert restore("Su pedido se envía [7].", protected.values) == \
        "Su pedido se envía. (482913, https://t.example/1Z9)"


def test_renumbering_makes_segments_with_different_values_identical():
    first, originals_a = renumber("Order [3] and [4] shipped.")
    second, originals_b = renumber("Order [0] and [1] shipped.")
    assert first == second == "Order [0] and [1] shipped."
    assert (originals_a, originals_b) == ([3, 4], [0, 1])
    assert number_back("Pedido [1] y [0] enviados.", originals_a) == "Pedido [4] y [3] enviados."
    assert number_back("Pedido [5].", originals_a) == "Pedido ."


def test_text_without_values_is_unchanged():
    protected = protect("Thanks for your patience.")
    assert protected.values == []
    assert restore(protected.text, []) == "Thanks for your patience."
