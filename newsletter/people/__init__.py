"""People: the subscribers — lists (import, export, forget), sign-up with double opt-in,
and what bounces and complaints do to a subscriber (bounces.py).

Provider webhook *parsing* stays in newsletter.webhooks: it is protocol work (signatures,
payload shapes, one module per provider) that knows nothing of our subscribers; the
decision taken on an event (suppress, unsubscribe, count a soft bounce) is people's.
May import the shared base, config, store, compose (confirmation emails) and webhooks;
never delivery, web, ops or cli.
"""
