"""Leases: one holder at a time for a named job (reading one mailbox), until it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Lease(Base):
    """`holder` owns `name` until `expires_at`; it renews, or another instance takes over."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]
