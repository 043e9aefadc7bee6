"""Which providers' webhooks are configured, each with its secret from the environment."""

from __future__ import annotations

from ..config import Config
from .base import Receiver, secret_from_env
from .brevo import BrevoReceiver
from .mailgun import MailgunReceiver
from .postmark import PostmarkReceiver
from .resend import ResendReceiver
from .sendgrid import SendGridReceiver
from .ses import SesReceiver

PROVIDERS = ("sendgrid", "mailgun", "postmark", "ses", "brevo", "resend")


def configured_receivers(config: Config) -> dict[str, Receiver]:
    """A receiver per provider whose secret is set (SES: whose topics are listed).

    A secret that is set but unusable (a malformed key) raises ConfigError naming its
    variable, so `newsletter serve` refuses to start rather than refusing every event.
    """
    w = config.webhooks
    found: dict[str, Receiver] = {}
    where = f"{config.source}: [webhooks]"
    if key := secret_from_env(w.sendgrid_public_key_env):
        found["sendgrid"] = SendGridReceiver(key, w.tolerance_seconds,
                                             where=f"{where} sendgrid_public_key_env "
                                                   f"({w.sendgrid_public_key_env})")
    if key := secret_from_env(w.mailgun_signing_key_env):
        found["mailgun"] = MailgunReceiver(key, w.tolerance_seconds)
    password, token = secret_from_env(w.postmark_password_env), secret_from_env(w.postmark_token_env)
    if password or token:
        found["postmark"] = PostmarkReceiver(username=w.postmark_username, password=password,
                                             token=token)
    password, token = secret_from_env(w.brevo_password_env), secret_from_env(w.brevo_token_env)
    if password or token:
        found["brevo"] = BrevoReceiver(username=w.brevo_username, password=password, token=token)
    if key := secret_from_env(w.resend_secret_env):
        found["resend"] = ResendReceiver(key, w.tolerance_seconds,
                                         where=f"{where} resend_secret_env ({w.resend_secret_env})")
    if w.ses_topic_arns.strip():
        p = config.providers
        found["ses"] = SesReceiver(topic_arns=w.ses_topic_arns,
                                   endpoint=w.ses_sns_endpoint.strip().rstrip("/"),
                                   max_age=w.ses_max_age_seconds,
                                   confirm=w.ses_confirm_subscriptions,
                                   timeout=(p.connect_timeout, p.read_timeout))
    return found
