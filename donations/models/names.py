"""Donor names on the public donor wall: their review state (署名审核) and the staff-edited word list.

A donor types their public name (公开署名); it reaches the wall only through these rules, and never the ledger: the
gift's public record carries a salted commitment to it (``ledger.merkle.donor_commitment``), the salt kept on the
gift so that erasing it forgets the name.
"""

from django.db import models


class NameReview(models.TextChoices):
    SHOWN = "shown", "自动公开"  # passed the rules when the gift was received
    HELD = "held", "待审核"  # a link, markup or a listed word: 爱心人士 on the wall until staff decide
    APPROVED = "approved", "已批准"
    HIDDEN = "hidden", "已隐藏"
    ERASED = "erased", "已删除"  # name and salt erased (个人信息保护法): the record's commitment can't be opened


NAME_REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    NameReview.SHOWN: frozenset({NameReview.HELD, NameReview.APPROVED, NameReview.HIDDEN, NameReview.ERASED}),
    NameReview.HELD: frozenset({NameReview.APPROVED, NameReview.HIDDEN, NameReview.ERASED}),
    NameReview.APPROVED: frozenset({NameReview.HIDDEN, NameReview.ERASED}),
    NameReview.HIDDEN: frozenset({NameReview.APPROVED, NameReview.ERASED}),
    NameReview.ERASED: frozenset(),
}
# States in which the wall shows the donor's name (any other shows 爱心人士).
NAME_SHOWN_STATES = (NameReview.SHOWN, NameReview.APPROVED)
# The wall's stand-in for a name it does not show.
WITHHELD_NAME = "爱心人士"


class HeldWord(models.Model):
    """A word that holds a donor's public name for review when the name contains it (case-insensitive)."""

    word = models.CharField(
        "敏感词", max_length=40, unique=True, help_text="公开署名中含有此词(不区分大小写)时,须人工审核后才上捐赠墙。"
    )
    created_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "署名敏感词"
        verbose_name_plural = "署名敏感词"
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word
