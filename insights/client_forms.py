"""The client's form for a topic to talk about next time.

Types and widgets only: what a topic may be, and the words for it, are insights.topics'.
"""

from django import forms

from insights.topics import TOPIC_MAX

# The entry page writes this form by hand (homework may not import insights), with these names.
TOPIC_PREFIX = "topic"


class TopicForm(forms.Form):
    text = forms.CharField(
        label="What would you like to talk about?",
        # The browser stops typing at the limit; the write function words the rule.
        widget=forms.TextInput(attrs={"maxlength": TOPIC_MAX}),
        required=False,
        strip=False,
        help_text="A few words are enough.",
    )
    # The public code of the entry it comes from, when added on an entry's page.
    entry = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", TOPIC_PREFIX)
        super().__init__(*args, **kwargs)
