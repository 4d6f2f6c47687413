"""A model field that keeps personal data encrypted at rest, transparently for the code that reads it.

Used for donors' phones and e-mails: the row holds Fernet ciphertext (``projects.sensitive.encrypt``), Python sees
the plain value. Ciphertexts are randomised, so the column cannot be searched or compared in SQL: keep a keyed hash
beside it (``projects.sensitive.keyed_hash``) for that. The beneficiary registry stores its sensitive values
through explicit columns instead (ciphertext, hash and mask), because staff must never receive the plain value
without the reveal permission.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models

from projects import sensitive


class EncryptedTextField(models.TextField):
    """Plain text in Python, ciphertext in the database. ``max_length`` limits the plain value (forms, full_clean)."""

    def __init__(self, *args, plain_max_length: int = 200, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(plain_max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return sensitive.encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return sensitive.decrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "isnull"):  # '' and NULL only: ciphertexts do not compare or contain
            return None
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        defaults = {"form_class": forms.CharField, "max_length": self.plain_max_length, "widget": forms.TextInput}
        return super().formfield(**{**defaults, **kwargs})
