"""Form fields that parse types only and leave judging the value to the write functions, so a
refused choice shows the rulebook's words, not Django's generic "Select a valid choice"."""

from django import forms


class AnyChoiceField(forms.ChoiceField):
    def valid_value(self, value):
        return True


class AnyIntegerChoiceField(forms.TypedChoiceField):
    def valid_value(self, value):
        return True


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value):
        return True
