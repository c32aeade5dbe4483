"""sent mail keeps its Message-ID; suspended customers; the action that set a customer's status

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 07:29:31.557974
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "status IN ('active', 'cancelled', 'terminated', 'suspended')"
_OLD_STATUSES = "status IN ('active', 'cancelled', 'terminated')"


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_action_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_customers_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_customers_status'), _STATUSES)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('pending_to', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_id'), ['message_id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_id'), type_='unique')
        batch_op.drop_column('pending_to')
        batch_op.drop_column('message_id')

    # A suspended customer has no status before 0004: it goes back to active.
    op.execute("UPDATE customers SET status = 'active' WHERE status = 'suspended'")
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_customers_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_customers_status'), _OLD_STATUSES)
        batch_op.drop_column('status_action_id')
