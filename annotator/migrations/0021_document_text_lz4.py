"""On PostgreSQL, documents' texts are compressed with LZ4 where the server has it.

A text over 2 KB is compressed when it is stored. PostgreSQL's own method (pglz) took half
of a thousand-document import's time in the database; LZ4 takes half of that, and reads a
long report back several times faster, for about a fifth more space. Texts already stored
keep their compression until they are written again. SQLite stores texts as they are.
"""

from django.db import migrations

# PostgreSQL 14 and later, built with LZ4 (Debian's and the official images are).
TABLE, COLUMN = "annotator_document", "text"


def lz4_for_texts(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    if row is None or "lz4" not in row[0]:
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(TABLE)} ALTER COLUMN {quote(COLUMN)} SET COMPRESSION lz4"
    )


def default_for_texts(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(TABLE)} ALTER COLUMN {quote(COLUMN)} SET COMPRESSION DEFAULT"
    )


class Migration(migrations.Migration):
    dependencies = [("annotator", "0020_incident_role_retired_help")]

    operations = [migrations.RunPython(lz4_for_texts, default_for_texts, elidable=False)]
