# The index of a year's SPBE evidence bundle (issue 16 point 6).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0004_report_document_types'),
    ]

    operations = [
        migrations.AlterField(
            model_name='document',
            name='document_type',
            field=models.CharField(choices=[('lembar_disposisi', 'lembar_disposisi'), ('surat_tugas', 'surat_tugas'), ('berita_acara_penggantian', 'berita_acara_penggantian'), ('berita_acara_pekerjaan', 'berita_acara_pekerjaan'), ('laporan_tindak_lanjut', 'laporan_tindak_lanjut'), ('rencana_kerja', 'rencana_kerja'), ('laporan_ketersediaan', 'laporan_ketersediaan'), ('rekapitulasi', 'rekapitulasi'), ('laporan_berkala', 'laporan_berkala'), ('daftar_bukti_dukung', 'daftar_bukti_dukung')], max_length=40, verbose_name='document type'),
        ),
        migrations.AlterField(
            model_name='numberpattern',
            name='document_type',
            field=models.CharField(choices=[('lembar_disposisi', 'lembar_disposisi'), ('surat_tugas', 'surat_tugas'), ('berita_acara_penggantian', 'berita_acara_penggantian'), ('berita_acara_pekerjaan', 'berita_acara_pekerjaan'), ('laporan_tindak_lanjut', 'laporan_tindak_lanjut'), ('rencana_kerja', 'rencana_kerja'), ('laporan_ketersediaan', 'laporan_ketersediaan'), ('rekapitulasi', 'rekapitulasi'), ('laporan_berkala', 'laporan_berkala'), ('daftar_bukti_dukung', 'daftar_bukti_dukung')], max_length=40, verbose_name='document type'),
        ),
    ]
