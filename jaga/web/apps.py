from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "jaga.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        """The admin's login form says why a user of an inactive agency cannot log in
        (issue 13 point 4), like the site's (``jaga.web.forms``)."""
        from django.contrib import admin

        from jaga.web.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm
