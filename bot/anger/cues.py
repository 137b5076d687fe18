"""Hand-written anger cues: the signals a shopper's wording carries beyond its words.

Each cue is a fact about the message (it shouts, it threatens a chargeback); the model
decides how much it weighs, so "THANK YOU SO MUCH!!!" shouts without being angry.
The same cues become numeric model features (`cue_features`) and the explanation an agent
reads ("threat: chargeback").
"""

import re
from dataclasses import dataclass

import numpy as np

# Capitals that are names, codes or units, not raised voices.
ACRONYMS = frozenset(
    """
    ups dhl dpd usps fedex gls tnt usa uk eu us gb eur gbp usd vat id ok tv pc xl xxl xs
    sd fyi ps eta asap gdpr faq pdf sms nyc la uae diy ceo it rsvp bbq nhs ai pin
    """.split()
)

_KINDS: tuple[tuple[str, str], ...] = (
    (
        "threat",
        r"\bcharge ?backs?\b"
        r"|\b(?:dispute|disputing|reverse|reversing)\b.{0,30}\b(?:charge|payment|bank|paypal|card)\b"
        r"|\b(?:paypal|bank|card) (?:dispute|claim)\b"
        r"|\b(?:lawyer|solicitor|attorney)s?\b(?! ?'s office)"
        r"|\blegal action\b|\bsue\b|\bsuing\b|\bsmall claims\b|\bcourt\b(?! shoes)"
        r"|\btrading standards\b|\bombudsman\b|\bregulators?\b|\bconsumer (?:protection|rights)\b"
        r"|\bbbb\b|\bbetter business bureau\b|\bwatchdog\b"
        r"|\breport(?:ing)? (?:you|u|this|your company)\b"
        r"|\b(?:bad|negative|terrible|honest|scathing) reviews?\b"
        r"|\b(?:1|one|zero|0)[- ]?stars?\b|\btrustpilot\b(?! page)|\breviews? everywhere\b"
        r"|\b(?:post|posting|tell|telling|share|sharing|go|going)\b.{0,30}"
        r"\b(?:twitter|facebook|instagram|tiktok|social media|the press|reddit)\b",
    ),
    (
        "profanity",
        r"\bf+u+c+k\w*|\bf[*#@!]{2,}\w*|\bfk\w*|\bwtf\b|\bffs\b|\bstfu\b|\bsh[i1*]t\w*"
        r"|\bbullshit\b|\bcrap\w*|\bdamn\w*|\bbloody\b|\bthe hell\b|\bthe heck\b"
        r"|\bpiss\w*|\barse\b|\bass(?:hole)?s?\b|\bbastards?\b|\bbs\b|\bfor god'?s sake\b",
    ),
    (
        "insult",
        r"\buseless\b|\bpathetic\b|\bincompeten\w*|\bidiots?\b|\bmorons?\b|\bclowns?\b"
        r"|\bstupid\b|\bscam\w*|\bthie(?:f|ves)\b|\bfraud\w*|\bliars?\b|\bjoke\b|\bdisgrace\w*"
        r"|\bhopeless\b|\bclueless\b|\brip[- ]?off\b|\btrash\b|\bgarbage\b|\bappalling\b",
    ),
    (
        "repetition",
        r"\b(?:third|3rd|fourth|4th|fifth|5th|sixth|6th|tenth|10th|nth) (?:time|email|message)\b"
        r"|\b(?:three|four|five|six|several|many|multiple|[3-9]) times\b|\bthird\. time\b"
        r"|\bstill (?:waiting|no|nothing|not)\b|\balready (?:told|said|explained|asked|gave)\b"
        r"|\bi (?:just |literally just )?(?:told|said)\b(?! earlier)|\bhow many (?:more )?times\b"
        r"|\brepeating myself\b|\bfor the (?:last|\w+th|third|\d+(?:st|nd|rd|th)) time\b",
    ),
)
_PATTERNS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _KINDS)
# Words of a bad mood rather than anger ("ugh, so annoying"): shown as a cue so the bot can be
# kind about it, but no model feature (the model learnt anger without them).
ANNOYANCE = "annoyance"
_ANNOYANCE = re.compile(
    r"\bugh+\b|\bannoy\w*|\bfrustrat\w*|\bfed[- ]up\b|\bsick (?:and tired )?of\b|\btired of\b"
    r"|\birritat\w*|\bseriously\b|\bwaiting (?:forever|ages)\b|\btaking (?:forever|ages)\b|\bcome on\b"
    r"|\bnot happy\b|\bunhappy\b|\bupset\b|\bdisappoint\w*|\bhonestly\b|\bfinally\b|\bstill hasn'?t\b",
    re.IGNORECASE,
)
_PUNCT_RUN = re.compile(r"[!?]*(?:!!|\?\?|\?!|!\?)[!?]*")
_ANGRY_EMOJI = re.compile("[\U0001F620\U0001F621\U0001F624\U0001F92C\U0001F47F\U0001F4A2\U0001F644]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W\d_]+)?")
# A word in capitals right by one of these is a name for a code, not a raised voice ("is the
# code FREESHIP valid"); one with digits in it is a code or a reference ("WELCOME10", "SKU12").
_CODE_CONTEXT = re.compile(r"\b(?:codes?|coupons?|promo|promos|vouchers?|discounts?|valid|works?|working|apply|applied)\b",
                           re.IGNORECASE)

# Order of the numeric features; each is a capped count scaled to 0-1.
FEATURE_NAMES = (
    "threat",
    "profanity",
    "insult",
    "repetition",
    "shouting",
    "emphasis",
    "punctuation",
    "emoji",
)
_CAP = 2


@dataclass(frozen=True)
class Cue:
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


def find_cues(raw: str) -> list[Cue]:
    """Every cue in a message (already passed through `text.raw_text`), strongest kinds first."""
    cues = [
        Cue(kind, match.group(0).lower())
        for kind, pattern in _PATTERNS
        for match in pattern.finditer(raw)
    ]
    cues.extend(_shouting_cues(raw))
    cues.extend(Cue("punctuation", run) for run in _PUNCT_RUN.findall(raw))
    cues.extend(Cue("emoji", emoji) for emoji in _ANGRY_EMOJI.findall(raw))
    cues.extend(Cue(ANNOYANCE, match.group(0).lower()) for match in _ANNOYANCE.finditer(raw))
    return list(dict.fromkeys(cues))


def cue_features(cues: list[Cue]) -> np.ndarray:
    """Capped per-kind counts, scaled to 0-1, in FEATURE_NAMES order."""
    counts = dict.fromkeys(FEATURE_NAMES, 0)
    for cue in cues:
        if cue.kind in counts:
            counts[cue.kind] += 1
    return np.array([min(counts[name], _CAP) / _CAP for name in FEATURE_NAMES], dtype=float)


def _shouting_cues(raw: str) -> list[Cue]:
    """A whole message in capitals is shouting; a few capitalised words are emphasis. Codes
    (capitals with digits, or a lone capitalised word in a message about codes) are neither."""
    words = _WORD.findall(raw)
    loud = [w for w in words if len(w) >= 2 and w.isupper() and w.lower() not in ACRONYMS
            and not any(character.isdigit() for character in w)]
    if len(loud) >= 2 and len(loud) >= 0.6 * len(words):
        return [Cue("shouting", " ".join(words[:8]))]
    if len(loud) == 1 and _CODE_CONTEXT.search(raw):
        return []
    return [Cue("emphasis", word) for word in loud if len(word) >= 3]
