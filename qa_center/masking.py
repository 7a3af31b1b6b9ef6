"""Masking of personal data shown to people who do not need it in full."""


def mask_phone(number: str) -> str:
    """138****8000: keep the first three and last four digits of numbers long enough to hide anything."""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}"
