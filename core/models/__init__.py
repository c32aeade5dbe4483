"""Every table, importable from one place (Alembic's autogenerate reads `Base.metadata`)."""

from core.models.audit import AuditEntry
from core.models.base import Base, utcnow
from core.models.chat import ChatLink, ChatMessage, Staff
from core.models.conversations import ActionAnnouncement, ChatAnswer, ChatUpdate, LinkCode
from core.models.customers import Contract, ContractPeriod, Customer, Payment
from core.models.inbound import InboundMail
from core.models.leases import Lease
from core.models.mail import Alert, MailCursor, OutboxMail
from core.models.notices import Notice, UtmReturn
from core.models.queue import Action, Request
from core.models.staff import StaffNotice

__all__ = [
    "Action",
    "ActionAnnouncement",
    "Alert",
    "AuditEntry",
    "Base",
    "ChatAnswer",
    "ChatLink",
    "ChatMessage",
    "ChatUpdate",
    "Contract",
    "ContractPeriod",
    "Customer",
    "InboundMail",
    "Lease",
    "LinkCode",
    "MailCursor",
    "Notice",
    "OutboxMail",
    "Payment",
    "Request",
    "Staff",
    "StaffNotice",
    "UtmReturn",
    "utcnow",
]
