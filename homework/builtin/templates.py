"""The built-in exercise library: one template per exercise kind, plus GAD-7.

Edit freely: `manage.py load_builtin_templates` adds a new version when content changes and
never alters a version clients already answered. Rationales and instructions are our own words.
PHQ-9 and GAD-7 (Spitzer, Williams, Kroenke et al.) are free to use without permission; their
item wording, options and bands are the standard ones and must stay so to remain comparable.
"""

SHORT = 200  # one-line answers
LONG = 5000  # free writing: room for a page, not for a book pasted in


def _question(link_id, kind, text, help_text=None, **rules):
    item = {"linkId": link_id, "text": text, "type": kind, **rules}
    if help_text:
        item["helpText"] = help_text
    return item


def _display(link_id, text):
    return {"linkId": link_id, "text": text, "type": "display"}


def _line(link_id, text, help_text=None, **rules):
    return _question(link_id, "string", text, help_text, maxLength=SHORT, **rules)


def _writing(link_id, text, help_text=None, **rules):
    return _question(link_id, "text", text, help_text, maxLength=LONG, **rules)


def _rating(link_id, text, top, help_text=None, **rules):
    return _question(link_id, "integer", text, help_text, minValue=0, maxValue=top, **rules)


def _minutes(link_id, text, **rules):
    return _question(link_id, "integer", text, minValue=0, maxValue=24 * 60, **rules)


def _options(*pairs):
    return [{"valueCoding": {"code": code, "display": display}} for code, display in pairs]


MOOD_HELP = "0 is the lowest you can imagine, 10 the best."
SUDS_HELP = "0 is completely calm, 100 the most anxious you have ever felt."
BELIEF_HELP = "0 means you don't believe it at all, 100 that you are completely sure."
TENSION_HELP = "0 is fully relaxed, 10 the most tense or distressed you can imagine."
EMOTION_HELP = "0 is not at all, 100 the strongest it could be."

# The standard PHQ-9/GAD-7 answer scale; the codes are the points each answer scores.
FREQUENCY = _options(
    ("0", "Not at all"), ("1", "Several days"), ("2", "More than half the days"), ("3", "Nearly every day")
)


def _frequency_items(prefix, texts, extras=None):
    extras = extras or {}
    return [
        _question(f"{prefix}_{n}", "choice", text, required=True, answerOption=FREQUENCY, **extras.get(n, {}))
        for n, text in enumerate(texts, 1)
    ]


PHQ9_QUESTIONS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
    "or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
PHQ9_ITEMS = [
    _display("intro", "Over the last 2 weeks, how often have you been bothered by any of the following problems?"),
    *_frequency_items(
        "phq9",
        PHQ9_QUESTIONS,
        # Any answer above "Not at all" on item 9 flags the client for the therapist at once.
        extras={
            9: {
                "riskIfAbove": 0,
                "helpText": "If you are having these thoughts, you don't have to wait for your next session: "
                "the crisis resources on this page are there for you right now.",
            }
        },
    ),
    # Part of the standard form but not of the score.
    _question(
        "phq9_difficulty",
        "choice",
        "If you checked off any problems, how difficult have these problems made it for you to do your work, "
        "take care of things at home, or get along with other people?",
        answerOption=_options(
            ("not_difficult", "Not difficult at all"),
            ("somewhat", "Somewhat difficult"),
            ("very", "Very difficult"),
            ("extremely", "Extremely difficult"),
        ),
    ),
]

GAD7_QUESTIONS = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]
GAD7_ITEMS = [
    _display("intro", "Over the last 2 weeks, how often have you been bothered by the following problems?"),
    *_frequency_items("gad7", GAD7_QUESTIONS),
]


BUILTIN_TEMPLATES = [
    {
        "builtin_key": "journal",
        "kind": "journal",
        "title": "Journal",
        "summary": "Write freely to a prompt and notice how your mood shifts.",
        "rationale": (
            "Putting feelings into words helps to sort them out: what feels like a tangle in your head "
            "often looks clearer on the page. Writing regularly also leaves a trail that you and your "
            "therapist can look back on, so patterns become easier to see. Nobody marks this; it is your space."
        ),
        "instructions": (
            "1. Find a few quiet minutes somewhere you won't be interrupted.\n"
            "2. Rate your mood before you start.\n"
            "3. Read the prompt and write whatever comes, without stopping to fix spelling or wording. "
            "Ten minutes is plenty.\n"
            "4. When you finish, rate your mood again. It is fine if it went down: writing about hard "
            "things can stir them up before it helps."
        ),
        "items": [
            _rating("mood_before", "How is your mood right now, before writing?", 10, MOOD_HELP, required=True),
            _writing("writing", "Your writing", "Write about the prompt in any way you like.", required=True),
            _rating("mood_after", "How is your mood now that you have finished?", 10, MOOD_HELP),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "thought-record",
        "kind": "thought_record",
        "title": "Thought record",
        "summary": "Catch an upsetting thought, weigh it up and find a more balanced view.",
        "rationale": (
            "How we feel depends a lot on how we read a situation, and in a hard moment the first reading "
            "is often the harshest one. Writing the thought down and looking at the evidence on both sides "
            "helps you step back from it. With practice it gets easier to notice these thoughts as they "
            "happen and to answer them more fairly."
        ),
        "instructions": (
            "1. Soon after you notice your mood change, note the situation: where you were, who was there, "
            "what was happening.\n"
            "2. Write down the thought that went through your mind, in the words you thought it.\n"
            "3. Name the emotion and rate how strong it was, from 0 to 100.\n"
            "4. List the facts that support the thought, then the facts that don't fit it, one per line.\n"
            "5. Write a more balanced thought that takes all of that evidence into account.\n"
            "6. Rate the emotion again. Even a small drop counts."
        ),
        "items": [
            _writing(
                "situation",
                "What was the situation?",
                "Where were you, who was there, what was happening?",
                required=True,
            ),
            _writing("automatic_thought", "What went through your mind?", required=True),
            _line("emotion", "What emotion did you feel?", "For example sad, anxious, angry, ashamed.", required=True),
            _rating("emotion_intensity", "How strong was that emotion?", 100, EMOTION_HELP, required=True),
            _writing("evidence_for", "What supports the thought?", "Facts, not feelings. One per line.", repeats=True),
            _writing(
                "evidence_against",
                "What doesn't fit the thought?",
                "What would you tell a friend who thought this? One per line.",
                repeats=True,
            ),
            _writing("balanced_thought", "A more balanced thought", "One that takes all the evidence into account."),
            _rating("emotion_rerated", "How strong is the emotion now?", 100, EMOTION_HELP),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "exposure",
        "kind": "exposure",
        "title": "Exposure practice",
        "summary": "Face one step of your fear ladder and find out what really happens.",
        "rationale": (
            "Avoiding what we fear brings relief in the moment but keeps the fear going, because we never "
            "find out what would have happened. Facing it step by step, and staying long enough to learn "
            "something new, teaches your brain that the situation is safer or more bearable than it "
            "predicted. The aim is not to feel calm; it is to discover that you can cope."
        ),
        "instructions": (
            "1. Pick today's step from the ladder you made with your therapist.\n"
            "2. Before you begin, write down what you fear will happen and how strongly you believe it.\n"
            "3. Rate your anxiety just before you start, from 0 to 100.\n"
            "4. Go into the situation and stay with it. Try to drop the things you usually do to feel "
            "safer, such as checking, distracting yourself or having someone with you.\n"
            "5. Afterwards, note your highest anxiety, how you feel now, how long you stayed, and what "
            "actually happened compared with what you feared.\n"
            "6. Repeat the same step until it feels more manageable, then move up the ladder."
        ),
        "items": [
            _line("hierarchy_step", "Which step of your ladder did you practise?", required=True),
            _display("before", "Before you start"),
            _writing("feared_outcome", "What do you fear will happen?", "Be as specific as you can.", required=True),
            _rating("belief_before", "How strongly do you believe it will happen?", 100, BELIEF_HELP, required=True),
            _rating("suds_before", "How anxious are you just before you start?", 100, SUDS_HELP, required=True),
            _display("after", "Afterwards"),
            _rating("suds_peak", "What was your highest anxiety during the practice?", 100, SUDS_HELP, required=True),
            _rating("suds_after", "How anxious are you now, at the end?", 100, SUDS_HELP),
            _minutes("duration_minutes", "How many minutes did you stay in the situation?", required=True),
            _line(
                "safety_behaviours",
                "Did you do anything to feel safer?",
                "For example checking, distracting yourself, holding on to something. One per line.",
                repeats=True,
            ),
            _writing("what_happened", "What actually happened? Did what you feared come true?", required=True),
            # The number beside belief_before, so predicted and actual outcome can be charted across trials.
            _rating(
                "came_true",
                "How much of what you feared actually happened?",
                100,
                "0 is none of it, 100 all of it, just as you feared.",
            ),
            _rating(
                "surprise", "How surprised were you by what happened?", 10, "0 is not at all, 10 completely surprised."
            ),
            _writing("learned", "What did you learn?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "skill-practice",
        "kind": "skill_practice",
        "title": "Skill practice",
        "summary": "Practise a calming or coping skill and notice what changes.",
        "rationale": (
            "Skills like slow breathing, muscle relaxation or mindfulness work best when they are well "
            "rehearsed, so that they are there for you when stress is high. Practising when you are fairly "
            "calm builds the habit, and rating your tension before and after shows you, in numbers, what "
            "difference the skill makes."
        ),
        "instructions": (
            "1. Choose a time when you can give the skill your full attention, even for a few minutes.\n"
            "2. Rate your tension or distress from 0 to 10.\n"
            "3. Practise the skill the way you learned it in session.\n"
            "4. Rate your tension again and note anything that helped or got in the way."
        ),
        "items": [
            _question("practised_at", "time", "What time did you practise?", required=True),
            _minutes("duration_minutes", "How many minutes did you practise?", required=True),
            _rating("tension_before", "How tense or distressed were you before?", 10, TENSION_HELP, required=True),
            _rating("tension_after", "How tense or distressed were you afterwards?", 10, TENSION_HELP, required=True),
            _writing("notes", "Anything that helped or got in the way?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "behavioural-experiment",
        "kind": "behavioural_experiment",
        "title": "Behavioural experiment",
        "summary": "Test a belief by trying something out and seeing what happens.",
        "rationale": (
            "Some beliefs feel so true that arguing with them gets nowhere. An experiment lets you gather "
            "fresh evidence from your own life instead: you make a prediction, put it to the test and see. "
            "Whatever the result, you learn something, and what you find out first-hand tends to stick."
        ),
        "instructions": (
            "1. Write the belief you want to test as a specific prediction: what do you expect to happen?\n"
            "2. Rate how strongly you believe it, from 0 to 100.\n"
            "3. Plan what you will do to test it, and when.\n"
            "4. Carry out the experiment, ideally without the precautions you would usually take.\n"
            "5. Write down what actually happened, then rate the belief again.\n"
            "6. Note what you learned and what it might mean for next time."
        ),
        "items": [
            _writing("prediction", "What do you predict will happen?", required=True),
            _rating("belief_before", "How strongly do you believe the prediction?", 100, BELIEF_HELP, required=True),
            _writing("plan", "What will you do to test it, and when?"),
            _writing("what_happened", "What actually happened?", required=True),
            _rating("belief_after", "How strongly do you believe the prediction now?", 100, BELIEF_HELP, required=True),
            _writing("learned", "What did you learn?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "activity",
        "kind": "activity",
        "title": "Planned activity",
        "summary": "Plan an activity, do it, then rate your mood, sense of achievement and enjoyment.",
        "rationale": (
            "When mood is low it is natural to wait until we feel like doing things, but often the feeling "
            "comes after the doing. Planning small activities and noticing how they went helps to break that "
            "cycle. Rating both enjoyment and achievement shows which activities give you the most lift."
        ),
        "instructions": (
            "1. Write down the activity you planned: what, when and where.\n"
            "2. Do it, even if only part of it.\n"
            "3. Afterwards, record whether it went as planned and rate your mood, your sense of achievement "
            "and how much you enjoyed it, each from 0 to 10.\n"
            "4. Small steps count: they are how momentum starts."
        ),
        "items": [
            _line("planned_activity", "What activity did you plan?", required=True),
            _question("done_as_planned", "boolean", "Did you do it as planned?", required=True),
            _rating("mood", "How was your mood afterwards?", 10, MOOD_HELP, required=True),
            _rating(
                "mastery",
                "How much of a sense of achievement did it give you?",
                10,
                "0 is none, 10 a great deal.",
                required=True,
            ),
            _rating("pleasure", "How much did you enjoy it?", 10, "0 is not at all, 10 very much.", required=True),
            _writing("notes", "Anything you want to remember about it?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "behaviour-to-avoid",
        "kind": "behaviour_to_avoid",
        "title": "Urge log",
        "summary": "Notice urges, what sets them off and what helps you ride them out.",
        "rationale": (
            "Urges rise, peak and fall like a wave, even when we don't act on them. Logging each urge (when "
            "it came, how strong it was, what set it off) helps you spot patterns and plan ahead. Writing "
            "down what helped builds your own list of strategies that work for you."
        ),
        "instructions": (
            "1. When you notice an urge, note the time and rate how strong it is, from 0 to 10.\n"
            "2. Write what seemed to set it off: a place, a feeling, a person, a thought.\n"
            "3. Record whether you acted on it. Be honest: this is information, not a test.\n"
            "4. Note anything that helped you wait, cope or let the urge pass."
        ),
        "items": [
            _question("urge_time", "time", "What time did the urge come?", required=True),
            _rating(
                "intensity",
                "How strong was the urge?",
                10,
                "0 is barely there, 10 the strongest it could be.",
                required=True,
            ),
            _writing("trigger", "What seemed to set it off?"),
            _question("acted_on_urge", "boolean", "Did you act on the urge?", required=True),
            _writing("what_helped", "What helped, or what could help next time?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "communication",
        "kind": "communication",
        "title": "Communication practice",
        "summary": "Try a conversation skill and note what you said and how it went.",
        "rationale": (
            "Asking for what you need, or saying no, is a skill, and like any skill it gets easier with "
            "practice. Trying it in real conversations and then looking back at what you said and how it "
            "landed helps you fine-tune it. It doesn't have to go perfectly to be worth doing."
        ),
        "instructions": (
            "1. Choose a conversation to practise in; a small one is fine.\n"
            "2. Decide which skill you will use and, if it helps, jot down what you want to say.\n"
            "3. Have the conversation.\n"
            "4. Afterwards, record who it was with, what you said, how it went and what you would keep or "
            "change next time."
        ),
        "items": [
            _line(
                "who", "Who did you talk to?", "A first name or a role such as 'my manager' is enough.", required=True
            ),
            _question(
                "skill",
                "choice",
                "Which skill did you use?",
                required=True,
                answerOption=_options(
                    ("assertive_request", "Making an assertive request"),
                    ("saying_no", "Saying no"),
                    ("dear_man", "DEAR MAN"),
                    ("i_statement", 'An "I" statement'),
                    ("active_listening", "Active listening"),
                    ("other", "Something else"),
                ),
            ),
            _writing("what_i_said", "What did you say?", required=True),
            _rating(
                "how_it_went", "How did it go?", 10, "0 is very badly, 10 as well as you could hope.", required=True
            ),
            _writing("keep_or_change", "What would you keep, or change, next time?"),
        ],
        "scoring": {},
    },
    {
        "builtin_key": "reflection",
        "kind": "reflection",
        "title": "Reflection",
        "summary": "Spend some time with one question and write your answer.",
        "rationale": (
            "Some of the most useful work in therapy happens when you have time to think something over on "
            "your own. Writing your answer down helps you get clear about what you really think, and gives "
            "you and your therapist something concrete to talk about."
        ),
        "instructions": (
            "1. Read the question your therapist set for you.\n"
            "2. Take your time; you can think it over for a day or two.\n"
            "3. Write your answer in your own words. There are no right or wrong answers."
        ),
        "items": [_writing("answer", "Your answer", required=True)],
        "scoring": {},
    },
    {
        "builtin_key": "phq-9",
        "kind": "questionnaire",
        "title": "PHQ-9 mood questionnaire",
        "summary": "Nine questions about low mood over the last two weeks.",
        "rationale": (
            "This short questionnaire is widely used to keep track of low mood. Filling it in every so often "
            "gives you and your therapist a simple way to see how things are changing over time, beyond how "
            "any single week feels."
        ),
        "instructions": (
            "1. Think about the last two weeks.\n"
            "2. For each problem, choose how often it has bothered you.\n"
            "3. Go with your first answer; there is no need to think for long.\n"
            "If you have thoughts of hurting yourself, please don't wait for your next session: use the "
            "crisis resources on this page now."
        ),
        "items": PHQ9_ITEMS,
        "scoring": {
            "method": "sum",
            "items": [f"phq9_{n}" for n in range(1, 10)],
            "bands": [
                [0, 4, "Minimal"],
                [5, 9, "Mild"],
                [10, 14, "Moderate"],
                [15, 19, "Moderately severe"],
                [20, 27, "Severe"],
            ],
        },
    },
    {
        "builtin_key": "gad-7",
        "kind": "questionnaire",
        "title": "GAD-7 anxiety questionnaire",
        "summary": "Seven questions about worry and anxiety over the last two weeks.",
        "rationale": (
            "This short questionnaire is widely used to keep track of anxiety and worry. Filling it in every "
            "so often gives you and your therapist a simple way to see how things are changing over time, "
            "beyond how any single week feels."
        ),
        "instructions": (
            "1. Think about the last two weeks.\n"
            "2. For each problem, choose how often it has bothered you.\n"
            "3. Go with your first answer; there is no need to think for long."
        ),
        "items": GAD7_ITEMS,
        "scoring": {
            "method": "sum",
            "items": [f"gad7_{n}" for n in range(1, 8)],
            "bands": [[0, 4, "Minimal"], [5, 9, "Mild"], [10, 14, "Moderate"], [15, 21, "Severe"]],
        },
    },
]
