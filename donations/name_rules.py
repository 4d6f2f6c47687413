"""Which donor names the wall holds for review (署名审核规则): links, markup, contact details, or a word from the
staff's list.

Pure functions over a name and the word list, shared by every path that receives a gift (online, offline, import,
monthly renewals) and by the rescan that follows a change of the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ledger.privacy import PersonalDataError, check_public_details

# Markup and links: HTML/template brackets, URL schemes, www., and a dot before a common top-level domain.
LINK_OR_MARKUP = re.compile(
    r"[<>{}\[\]\\]|&#?\w+;|https?|ftp:|://|www\.|javascript:|\.(com|cn|net|org|xyz|top|io|me|cc|info|vip|shop)\b",
    re.IGNORECASE,
)
# Spacing and punctuation people put inside a word to slip it past a list (傻 逼, f.u.c.k).
_SEPARATORS = re.compile(r"[\s·.,,。、\-_*~|/]+")


def normalised(text: str) -> str:
    return _SEPARATORS.sub("", text).casefold()


def name_hold_reason(name: str, words: Iterable[str]) -> str:
    """Why the name must wait for review, in Chinese for staff; "" when it may go on the wall at once."""
    if LINK_OR_MARKUP.search(name):
        return "含链接或标记"
    try:
        check_public_details(name)
    except PersonalDataError:
        return "疑似含手机号、证件号、银行卡号或邮箱"
    plain = normalised(name)
    for word in words:
        if (needle := normalised(word)) and needle in plain:
            return f"含敏感词「{word}」"
    return ""
