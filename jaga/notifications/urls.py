"""URLs of the notifications (under /notifikasi/)."""

from django.urls import URLPattern, path

from jaga.notifications import pushviews, views

app_name = "notifications"
urlpatterns: list[URLPattern] = [
    path("", views.notification_list, name="list"),
    path("lonceng/", views.bell, name="bell"),
    path("baca-semua/", views.read_all, name="read_all"),
    path("<int:pk>/buka/", views.open_notification, name="open"),
    path("pengaturan/", views.preferences, name="preferences"),
    path("push/langganan/", pushviews.push_subscribe, name="push_subscribe"),
    path("push/berhenti/", pushviews.push_unsubscribe, name="push_unsubscribe"),
    path("telegram/kode/", pushviews.telegram_code, name="telegram_code"),
    path("telegram/putus/", pushviews.telegram_unlink, name="telegram_unlink"),
]
