"""Markers left in a rendered issue where each subscriber's own values go (substituted per message)."""

UNSUBSCRIBE_PLACEHOLDER = "NL__UNSUBSCRIBE_URL__NL"
PREFERENCES_PLACEHOLDER = "NL__PREFERENCES_URL__NL"
NAME_PLACEHOLDER = "NL__NAME__NL"  # " Amina" (with its space) or nothing
PLACEHOLDERS = (UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER, NAME_PLACEHOLDER)
