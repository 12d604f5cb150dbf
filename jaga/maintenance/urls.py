"""URLs of preventive maintenance, under /pemeliharaan/ (``jaga.maintenance.views``)."""

from django.urls import URLPattern, path

from jaga.maintenance import calendarviews, views

app_name = "maintenance"
urlpatterns: list[URLPattern] = [
    path("rencana/", views.plan_list, name="plans"),
    path("rencana/baru/", views.plan_create, name="plan_create"),
    path("rencana/<int:pk>/", views.plan_detail, name="plan"),
    path("rencana/<int:pk>/ubah/", views.plan_edit, name="plan_edit"),
    path("rencana/<int:pk>/jeda/", views.plan_pause, name="plan_pause"),
    path("kalender/", calendarviews.month, name="calendar"),
    path("kalender/acara.json", calendarviews.events, name="calendar_events"),
    path("kalender/reset/", calendarviews.feed_reset, name="feed_reset"),
    path("kalender/<str:token>.ics", calendarviews.feed, name="feed"),
]
