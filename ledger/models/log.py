"""The public Merkle log's storage: complete-subtree hashes and signed tree heads (RFC 9162 §2.1, RFC 6962 §3.5)."""

from datetime import UTC, datetime

from django.db import models
from django.db.models import Q

from .transactions import AppendOnlyModel


class MerkleNode(AppendOnlyModel):
    """The hash of a complete aligned subtree: (level L, index i) covers leaves [i·2^L, (i+1)·2^L).

    Level 0 holds the leaf hashes. Any inclusion or consistency proof is answered from O(log n) of
    these rows, fetched in one query, without rebuilding the tree.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_merklenode_unique"),
            models.CheckConstraint(condition=Q(index__gte=0), name="ledger_merklenode_index_non_negative"),
        ]
        indexes = [models.Index(fields=["hash"], condition=Q(level=0), name="ledger_leaf_hash")]


class TreeHead(AppendOnlyModel):
    """A signed tree head (STH): tree size, timestamp, root hash and the Ed25519 signature."""

    tree_size = models.BigIntegerField("树大小", db_index=True)
    timestamp_ms = models.BigIntegerField("时间戳(毫秒)")
    root_hash = models.BinaryField("根哈希", max_length=32)
    signature = models.BinaryField("签名", max_length=64)
    public_key = models.BinaryField("公钥", max_length=32)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        base_manager_name = "objects"
        verbose_name = "签名树头"
        verbose_name_plural = "签名树头"
        ordering = ["-tree_size", "-timestamp_ms"]
        constraints = [
            models.CheckConstraint(condition=Q(tree_size__gte=0), name="ledger_treehead_size_non_negative"),
            models.UniqueConstraint(fields=["tree_size", "timestamp_ms"], name="ledger_treehead_unique"),
        ]

    @property
    def signed_at(self) -> datetime:
        """The signed timestamp (milliseconds since the epoch) as an aware datetime."""
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)
