"""URLs of the SOP builder (issue 17 point 4), mounted under /sop/ by ``jaga.sop.urls``
before the SOP pages (``penyusun`` is not an SOP code)."""

from django.urls import URLPattern, path

from jaga.sop import builderviews as views

urlpatterns: list[URLPattern] = [
    path("penyusun/", views.drafts, name="builder"),
    path("penyusun/baru/", views.new, name="builder_new"),
    path("penyusun/sop/<slug:code>/ubah/", views.edit_sop, name="builder_edit_sop"),
    path("penyusun/sop/<slug:code>/versi/", views.versions, name="builder_versions"),
    path("penyusun/<int:pk>/", views.editor, name="builder_draft"),
    path("penyusun/<int:pk>/periksa/", views.check, name="builder_check"),
    path("penyusun/<int:pk>/terbitkan/", views.publish, name="builder_publish"),
    path("penyusun/<int:pk>/yaml/", views.export, name="builder_export"),
    path("penyusun/<int:pk>/impor/", views.import_yaml, name="builder_import"),
    path("penyusun/<int:pk>/impor-langkah/", views.import_steps, name="builder_import_steps"),
    path("penyusun/<int:pk>/templat-langkah/", views.steps_template, name="builder_steps_template"),
    path("penyusun/<int:pk>/sumber/", views.source, name="builder_source"),
    path("penyusun/<int:pk>/hapus/", views.delete, name="builder_delete"),
    path("penyusun/<int:pk>/perubahan/", views.draft_diff, name="builder_diff"),
]
