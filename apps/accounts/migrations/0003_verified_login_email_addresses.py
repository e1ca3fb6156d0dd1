"""Every account's login address counts as verified and primary (issue 18, item 2).

The same rule as apps.accounts.security.email_address_mark_verified, for the accounts that
exist already: without it, a new unverified address could be made the login address."""

from django.db import migrations


def mark_login_addresses_verified(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.exclude(email="").only("pk", "email").iterator():
        addresses = EmailAddress.objects.filter(user_id=user.pk)
        addresses.exclude(email__iexact=user.email).filter(primary=True).update(primary=False)
        updated = addresses.filter(email__iexact=user.email).update(primary=True, verified=True)
        if not updated:
            EmailAddress.objects.create(
                user_id=user.pk, email=user.email, primary=True, verified=True
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_role_and_name_indexes"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(mark_login_addresses_verified, migrations.RunPython.noop),
    ]
