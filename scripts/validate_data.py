"""`rasa data validate --fail-on-warnings`, with two warnings Rasa cannot know are fine.

Rasa warns about responses that no story or rule mentions, but ours are uttered by custom
actions (actions/*.py) or the escalation policy (bot/), and about trigger intents (EXTERNAL_*) that have no NLU examples
because the hub triggers them. This accepts exactly those, after checking them: the response
is really uttered by an action, the trigger intent is really used by a rule. Every other
warning fails, and so does an action uttering a response the domain does not have.

Run in the engine environment: PYTHONPATH=. .venv-engine/bin/python scripts/validate_data.py
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

from rasa.utils.common import EXPECTED_WARNINGS

ROOT = Path(__file__).resolve().parent.parent
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
FORM_QUESTION = re.compile(r"The utterance 'utter_ask_(\w+)' is not used in any story or rule")
TRIGGER_WITHOUT_EXAMPLES = re.compile(r"The intent '(EXTERNAL_\w+)' is listed in the domain file, but is not found")
RESPONSE_IN_CODE = re.compile(r"""response\s*=\s*["'](utter_\w+)["']""")


def source_of(folder: str, pattern: str) -> str:
    return "\n".join(path.read_text() for path in sorted((ROOT / folder).rglob(pattern)))


def unexplained(message: str, action_code: str, rules: str, form_slots: set[str]) -> bool:
    if any(re.match(pattern, message) for category, pattern in EXPECTED_WARNINGS if category is UserWarning):
        return False  # warnings Rasa itself silences, such as the one about slot auto-fill
    question = FORM_QUESTION.search(message)
    if question and question.group(1) in form_slots:
        return False
    response = UNUSED_RESPONSE.search(message)
    if response:
        return f'"{response.group(1)}"' not in action_code
    trigger = TRIGGER_WITHOUT_EXAMPLES.search(message)
    if trigger:
        return f"intent: {trigger.group(1)}" not in rules
    return True


def main() -> int:
    from rasa.cli.utils import validate_files
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validate_files(fail_on_warnings=False, max_history=None, importer=importer)
    domain = importer.get_domain()
    form_slots = {slot for form in domain.forms.values() for slot in form.get("required_slots", [])}
    # Responses are uttered by actions, and by the escalation policy (its acknowledgements).
    action_code = source_of("actions", "*.py") + source_of("bot", "*.py")
    rules = source_of("data", "*.yml")
    problems = [str(w.message) for w in caught
                if issubclass(w.category, UserWarning) and "/rasa/" in w.filename
                and unexplained(str(w.message), action_code, rules, form_slots)]
    responses = set(domain.responses)
    problems += [f"actions/ utters '{name}', which domain.yml does not define"
                 for name in sorted(set(RESPONSE_IN_CODE.findall(action_code)) - responses)]
    for problem in problems:
        print(f"validation: {problem}", file=sys.stderr)
    print(f"validation: {'FAILED' if problems else 'clean'} ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
