"""chat outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 07:26:13.211879
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_chat_outbox_action_id_actions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_chat_outbox_key'))
    )
    with op.batch_alter_table('chat_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_outbox_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_outbox_sent_at'), ['sent_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chat_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_outbox_sent_at'))
        batch_op.drop_index(batch_op.f('ix_chat_outbox_chat_id'))

    op.drop_table('chat_outbox')
