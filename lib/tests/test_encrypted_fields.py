import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from conftest import SENTINEL
from homework.models import Comment, Entry
from lib import crypto


def new_key(key_id):
    return f"{key_id}:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw_column(model, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608 (test-only, fixed names)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_what_a_client_wrote_is_not_readable_in_the_database(entry_a):
    raw_answers = raw_column(Entry, "answers", entry_a.pk)
    raw_comment = raw_column(Comment, "body", entry_a.comments.get().pk)
    assert SENTINEL not in raw_answers and SENTINEL not in raw_comment
    entry = Entry.objects.get(pk=entry_a.pk)
    assert SENTINEL in entry.answers["situation"]
    assert SENTINEL in entry.comments.get().body


@pytest.mark.django_db
def test_text_written_under_an_old_key_still_reads_after_rotation(entry_a, settings):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [new_key("k2"), *old_keys]
    assert SENTINEL in Entry.objects.get(pk=entry_a.pk).answers["situation"]
    Entry.objects.filter(pk=entry_a.pk).update(answers={"situation": "rewritten"})
    assert raw_column(Entry, "answers", entry_a.pk).startswith("k2:")


def test_a_token_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt("private words", "homework.Entry.answers")
    assert crypto.decrypt(token, "homework.Entry.answers") == "private words"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, "homework.Comment.body")


def test_the_same_text_encrypts_differently_each_time():
    assert crypto.encrypt("same", "a.B.c") != crypto.encrypt("same", "a.B.c")
