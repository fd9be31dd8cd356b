from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0014_graded_cost_guard'),
    ]

    operations = [
        migrations.AddField(
            model_name='linechannel',
            name='rich_menu_ids',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
