"""URLs of preventive maintenance, under /pemeliharaan/: plans (``views``), the calendar
and the technicians' feeds (``calendarviews``), checklist templates, the inspection form of
a device (``?step=<id>`` ties it to a round's step), inspections and their photos
(``checklistviews``), a round's Rencana Kerja (``workplanviews``) and the OPD's page of the
rounds at its sites (``opdviews``)."""

from django.urls import URLPattern, path

from jaga.maintenance import calendarviews, checklistviews, opdviews, views, workplanviews

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
    path("daftar-periksa/", checklistviews.template_list, name="templates"),
    path("daftar-periksa/baru/", checklistviews.template_create, name="template_create"),
    path("daftar-periksa/<int:pk>/", checklistviews.template_edit, name="template_edit"),
    path("perangkat/<int:pk>/periksa/", checklistviews.inspect_device, name="inspect"),
    path("pemeriksaan/<int:pk>/", checklistviews.inspection_detail, name="inspection"),
    path("pemeriksaan/foto/<int:pk>/", checklistviews.photo, name="photo"),
    path("putaran/<int:pk>/rencana-kerja/", workplanviews.work_plan, name="work_plan"),
    path("opd/", opdviews.opd_rounds, name="opd_rounds"),
]
