"""URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jaga.documents.urls import verify_urlpatterns
from jaga.notifications.pushviews import service_worker
from jaga.reports.views import home
from jaga.web import views
from jaga.web.forms import LoginForm
from jaga.web.password import AuditedPasswordChangeView

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.health, name="health"),
    path("sw.js", service_worker, name="service_worker"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", AuditedPasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("lapor/", include("jaga.incidents.urls")),
    path("layanan/", include("jaga.catalogue.urls")),
    path("kasus/", include("jaga.workflow.urls")),
    path("sop/", include("jaga.sop.urls")),
    path("inventaris/", include("jaga.inventory.urls")),
    path("monitor/", include("jaga.monitoring.urls")),
    path("pemeliharaan/", include("jaga.maintenance.urls")),
    path("api/monitor/v1/", include("jaga.monitoring.api_urls")),
    path("dokumen/", include("jaga.documents.urls")),
    path("notifikasi/", include("jaga.notifications.urls")),
    path("laporan/", include("jaga.reports.urls")),
    path("organisasi/", include("jaga.org.urls")),
    path("verifikasi/", include(verify_urlpatterns)),
    path("tte/", include("jaga.signatures.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
