from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city and its logins (``manage.py seed_demo``): a dev and seed tool above every
    app, which nothing else imports."""

    name = "demo"
