"""The audit table. The model is unmanaged (Django never flushes or alters it), so the table is
created here from the model's state: columns, the user column without a constraint, indexes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import baobao.clock


def create_table(apps, schema_editor):
    schema_editor.create_model(apps.get_model("audit", "AuditEvent"))


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("audit", "AuditEvent"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=baobao.clock.now, verbose_name='time')),
                ('kind', models.CharField(choices=[('login', 'Sign-in'), ('login_failed', 'Failed sign-in'), ('logout', 'Sign-out'), ('lockout', 'Account locked out'), ('unlock', 'Account unlocked'), ('superuser_login', 'Superuser sign-in'), ('session_idle', 'Session ended after inactivity'), ('otp_enrol', 'Two-factor enrolment'), ('otp_verify', 'Two-factor check'), ('otp_reset', 'Two-factor reset'), ('password_change', 'Password change'), ('password_reset', 'Password reset'), ('user_create', 'User created'), ('user_deactivate', 'User deactivated'), ('user_activate', 'User reactivated'), ('role_change', 'Role or scope change'), ('export', 'Export'), ('import', 'Import'), ('bulk_transfer', 'Bulk transfer'), ('public_reply', 'Public request reply'), ('admin_change', 'Administration site change'), ('personal_view', 'Personal data viewed'), ('audit_export', 'Audit log export')], max_length=24, verbose_name='event')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('username', models.CharField(blank=True, db_index=True, max_length=150, verbose_name='username')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='source address')),
                ('target', models.CharField(blank=True, max_length=300, verbose_name='target')),
                ('result', models.CharField(choices=[('success', 'Success'), ('failure', 'Failure')], default='success', max_length=8, verbose_name='result')),
                ('detail', models.JSONField(blank=True, default=dict, verbose_name='detail')),
            ],
            options={
                'verbose_name': 'audit event',
                'verbose_name_plural': 'audit events',
                'db_table': 'audit_auditevent',
                'ordering': ['-at', '-id'],
                'managed': False,
                'indexes': [models.Index(fields=['kind', 'at'], name='audit_kind_at')],
            },
        ),
        migrations.RunPython(create_table, drop_table),
    ]
