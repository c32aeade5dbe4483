"""What a customer's own words ask for: one of the SPEC's intents, and the date they name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from knowledge.dates import DateMention, find_dates, normalize
from mail.words import Words

_CANCEL = Words(
    r"解約|退会|脱退|契約(?:を|の)?(?:終了|解除|打ち?切|取り?消|取消|やめ|止め|辞め)|"
    r"(?:サービス|利用|ご利用|お助け隊)(?:を|の)?(?:終了|停止|中止|やめ|止め|辞め|取り?消|取りやめ|取止)|"
    r"(?:申し?込み?|申込)(?:を|の)?(?:取り?消|取消|撤回|キャンセル)|キャンセル|"
    r"更新(?:を|は)?(?:し|いたし|致し)?(?:ない|ません|せず)|"
    r"(?:自動)?更新(?:を|の|は)?(?:停止|中止|取りやめ|取り止め|お断り|辞退|希望しません)|"
    r"cancel\w*|terminat\w*|discontinu\w*|end\s+(?:our|my|the)\s+(?:contract|subscription|service)|"
    r"not\s+(?:to\s+)?renew|withdraw\w*|opt\s+out\s+of\s+(?:the\s+)?(?:auto\w*[-\s]?)?renewal",
)
_REFUND = Words(r"返金|返還|払い?戻|返済|refund\w*|money\s+back|reimburs\w*")
_INCOMPATIBLE = Words(
    r"(?:対応|適合|互換|接続|設置|使用|利用|動作|導入)(?:が|は|も)?(?:でき|出来|し|して|されて)?(?:ない|ません|ず|不可)|"
    r"(?:対応|適合|接続)して(?:い)?(?:ない|ません)|非対応|不適合|未対応|互換性|相性|使えない|使えません|つながら|繋がら|incompatib\w*|not\s+compatible|"
    r"does(?:n't| not)\s+work|cannot\s+(?:be\s+)?(?:install|connect|use)\w*|"
    r"can't\s+(?:install|connect|use)\w*|"
    r"won't\s+work|not\s+work",
)
_SERVICE_CHANGE = Words(
    r"(?:サービス|内容|提供内容|料金|仕様|規約|約款)(?:の)?(?:内容)?(?:の)?(?:変更|改定|改訂)|"
    r"(?:料金|規約|約款)(?:の)?(?:改定|改訂|値上げ)|変更(?:の)?(?:通知|のお知らせ|について|のご案内|に伴|により|に伴い|を受け)|"
    r"第12条5項|12条5項|service\s+change|change(?:s)?\s+(?:to|in|of)\s+the\s+service|changed\s+service|"
    r"notice\s+of\s+(?:the\s+)?change\w*",
)
_BEFORE_START = Words(
    r"(?:利用|サービス|ご利用)?開始(?:日)?(?:の|より|よりも)?前|開始前|まだ(?:利用|使って|開始|始まって|始まって)|"
    r"(?:始まって|開始されて|開始して|利用して)(?:い)?(?:ない|ません)|始まる前|"
    r"利用開始(?:日)?(?:まで|を待たず)|申し?込み?(?:を|の)?(?:取り?消|取消|撤回|キャンセル)|"
    r"before\s+(?:the\s+)?(?:service\s+)?(?:start|begin)\w*|not\s+(?:yet\s+)?start(?:ed)?|"
    r"has(?:n't| not)\s+(?:yet\s+)?start\w*|"
    r"withdraw\s+(?:my|our)\s+application|cancel\s+(?:my|our)\s+application",
)
# The patterns above and below are matched against lower-cased text (IGNORECASE makes the
# Japanese alternatives several times slower): keep their letters lower case.
# A request, not a question about one: the customer asks for it to be done.
_REQUEST_VERB = Words(
    r"(?:解約|退会|返金|終了|取り?消|取消|キャンセル|撤回|停止|中止|解除)(?:を|の|させて|して|いたし|致し|し)?"
    r"(?:(?:(?:手続き|手続|申請|申し?込み?)(?:を|の)?\s*(?:お願い|します|いたします|致します|希望|進めて|"
    r"して(?:ください|下さい|いただ|頂)|させて))|お願い|希望|依頼|(?:したい|いたしたい|致したい|します|いたします|致します|したく|させていただ|させて頂|させてください|して(?:ください|下さい|いただ|頂)|願い|希望|申し?出|申し上げ|を申請))|"
    r"(?:解約|退会|返金)(?:依頼|希望|致|いた|をお願|の旨|する旨|させ)|"
    r"(?:解約|退会|返金)(?:届|申請書?|申込書?)(?:を|の)?\s*(?:提出|送付|添付|お送り|送り|送信|お願い)|"
    r"更新(?:を|は)?(?:し|いたし|致し)?(?:ない|ません|せず)|"
    r"(?:would|'d)\s+like\s+to\s+(?:cancel|terminate|end|request|ask\s+for\s+a\s+refund|get\s+a\s+refund|withdraw|discontinue)|"
    r"please\s+(?:cancel|terminate|refund|process|accept|end|stop)|"
    r"(?:can|could|would)\s+you\s+(?:please\s+)?(?:cancel|terminate|end|process|refund)|(?:we|i)\s+(?:want|wish|need|intend|hereby|request)|"
    r"request(?:ing)?\s+(?:a\s+|the\s+)?(?:cancel|terminat|refund)\w*|hereby|not\s+(?:to\s+)?renew",
)
_FORM = Words(r"(?:解約|退会|返金)(?:届|申請書?|申込書?)")
_QUESTION = Words(
    r"[?？]|でしょうか|ですか|ますか|ませんか|教えて|知りたい|伺いたい|お伺い|確認させて|ご教示|"
    r"(?:how|what|when|where|which|can\s+i|could\s+you|is\s+it|do\s+i|does|should)",
)
_SPAM = Words(
    r"高収入|簡単に稼げ|投資(?:案件|話)|必ず儲か|claim\s+your|you\s+have\s+(?:been\s+selected|won)|"
    r"inheritance|beneficiary|investment\s+opportunit\w*|guaranteed\s+returns?|当選|賞金|出会い|副業|仮想通貨|ビットコイン|bitcoin|crypto|lottery|prize|viagra|casino|"
    r"アカウント(?:が|を)?(?:停止|凍結|ロック)|パスワード(?:を|の)?(?:確認|更新|再設定)(?:してください|が必要)|"
    r"verify\s+your\s+(?:account|password|identity)|account\s+(?:suspended|locked)|"
    r"click\s+(?:here|the\s+link)|ログインして(?:確認|情報)|本人確認(?:のため|を)|"
    r"seo|集客|無料(?:診断|お試し)|限定オファー|unsubscribe\s+here|お支払い情報(?:の)?(?:更新|確認)|"
    r"有効期限が切れ|お支払い方法(?:を|の)?(?:更新|変更)|カード情報(?:を|の)?(?:更新|確認|入力)|"
    r"24時間以内に|unusual\s+sign-?in|password\s+(?:expir\w*|reset)|"
    r"your\s+account\s+(?:has\s+been|will\s+be)\s+(?:suspend|lock|clos|limit)\w*",
)
# Without a date, these words still say "at the end of the term" (満期解約, 第12条1項).
_TERM_END_WORDS = Words(
    r"満了|満期|年度末|更新(?:を|は)?(?:し|いたし|致し)?(?:ない|ません|せず)|"
    r"(?:自動)?更新(?:を|の|は)?(?:停止|中止|取りやめ|取り止め|お断り|辞退|希望しません)|"
    r"not\s+(?:to\s+)?renew|opt\s+out\s+of\s+(?:the\s+)?(?:auto\w*[-\s]?)?renewal|"
    r"end\s+of\s+(?:the\s+|this\s+)?(?:contract\s+)?terms?",
)
_URL = re.compile(r"https?://")
# Words that tie a date to the end asked for: 3月末で / 付け / をもって / 解約日.
_DATE_AFTER = re.compile(
    r"^\s*(?:日)?\s*(?:付け?|づけ|付で|をもって|を以て|をもちまして|で|にて|限り|いっぱい|一杯|末|まで(?:で|に)?(?:解約|退会|終了)|"
    r"に(?:解約|退会|終了|契約)|の(?:解約|退会|終了|満了)|解約|退会|終了|満了|時点|時)",
)
_DATE_BEFORE = re.compile(
    r"(?:解約|退会|終了|満了|希望|契約終了|利用終了|effective|as\s+of|on|from|until|by|end(?:ing)?\s+on|date)\s*(?:日|予定日|希望日)?\s*[:：は]?\s*(?:を|に|、)?\s*$",
    re.IGNORECASE,
)
_NOT_REQUESTED = re.compile(
    r"(?:申し?込み?|申込|開始|契約|送信|送付|受信|通知|連絡|お知らせ|発行|支払|入金|請求|承認|変更|着信|届|購入|設置|導入|受け取|拝受|頂いた|いただいた)\S{0,6}\Z"
)


@dataclass(frozen=True)
class ContentReading:
    """The intent the customer's words express, the date they ask for, and why."""

    intent: str
    requested_date: date | None
    notes: tuple[str, ...]
    notified: date | None = None  # R13: the date of the change notice the mail refers to


_NOT_LATIN_BYTES = bytes(b for b in range(128) if not chr(b).isalpha())


def is_english(text: str) -> bool:
    """Mostly Latin letters: the customer wrote English (SPEC "Chat contract")."""
    ascii_only = text.encode("ascii", "ignore")
    latin = len(ascii_only.translate(None, _NOT_LATIN_BYTES))
    # Every other character counts against English (kana, kanji and 、。 alike).
    return latin > 0 and latin >= 3 * (len(text) - len(ascii_only))


def read_content(subject: str, text: str, base: date) -> ContentReading:
    """The intent and requested date of what the customer wrote (quotes already stripped)."""
    notes: list[str] = []
    plain_subject = unicodedata.normalize("NFKC", subject)  # full-width Re：, once
    replying = _PREFIX.match(plain_subject) is not None
    subject = _ENCODED_REMNANT.sub(" ", _PREFIX.sub("", plain_subject))
    if replying and _asks_nothing(text, base):
        # 「Re: 解約」「承知しました」: the subject is the earlier mail's, not a new request.
        notes.append("a reply whose own words ask nothing: its subject is not read")
        subject = ""
    words = normalize(f"{subject}\n{text}")
    lowered = words.lower()
    cancel = _CANCEL.search(lowered)
    refund = _REFUND.search(lowered)
    question = _QUESTION.search(lowered)
    url = _URL.search(lowered)
    spam = _SPAM.search(lowered) if url or not (cancel or refund) else None
    if spam and url:
        # A call to log in or verify at a link: phishing, whatever it threatens (解約 too).
        notes.append(f"spam words ({spam[0]!r}) with a link")
        return ContentReading("spam", None, tuple(notes))
    if not (cancel or refund):
        if spam:
            notes.append(f"spam words ({spam[0]!r})")
            return ContentReading("spam", None, tuple(notes))
        if question:
            notes.append(f"a question ({question[0]!r}), no request")
            return ContentReading("question", None, tuple(notes))
        notes.append("no request, no question → other")
        return ContentReading("other", None, tuple(notes))
    requested = _REQUEST_VERB.search(lowered)
    if not requested and not question and _FORM.search(lowered):
        requested = _FORM.search(lowered)  # 件名「解約届」, a form sent with nothing else said
    if question and not requested:
        notes.append(
            f"asks ({question[0]!r}) about {(cancel or refund)[0]!r} without asking for it"
        )
        return ContentReading("question", None, tuple(notes))
    scored = _date_scores(words, base)
    when = _pick(scored)
    if when is not None:
        notes.append(f"requested date {when[0].value} from {when[0].text!r} ({when[1]})")
    day = when[0].value if when else None
    if refund and (_INCOMPATIBLE.search(lowered) or not cancel):
        notes.append(f"refund ({refund[0]!r}) for an incompatible UTM")
        return ContentReading("refund_incompatible", day, tuple(notes))
    if _SERVICE_CHANGE.search(lowered):
        notes.append(
            f"cancellation after a service change ({_SERVICE_CHANGE.search(lowered)[0]!r})"
        )
        notified = _notice(scored)
        if notified is not None:
            notes.append(f"the change notice is dated {notified}")
        return ContentReading("cancel_service_change", day, tuple(notes), notified)
    if _BEFORE_START.search(lowered):
        notes.append(f"cancellation before the start ({_BEFORE_START.search(lowered)[0]!r})")
        return ContentReading("cancel_before_start", day, tuple(notes))
    term_end = day is not None and (day.month, day.day) == (3, 31)
    if day is None and _TERM_END_WORDS.search(lowered):
        term_end = True
    intent = "cancel_at_term_end" if term_end else "cancel_midterm"
    notes.append(f"cancellation ({cancel[0] if cancel else ''!r}) → {intent}")
    return ContentReading(intent, day, tuple(notes))


# After a date: it is the date of something else (an application, our notice), or denied.
_OTHER_AFTER = re.compile(
    r"^\s*(?:に|の)?\s*(?:申し?込|申込|ご連絡|連絡|送|受|お送|頂|いただ|付与|開始|承認|契約し|送付|"
    r"発行|届)"
)
_NOTICE_AFTER = re.compile(
    r"^\s*(?:日)?\s*(?:付け?|づけ)?\s*(?:の|で|に)\s*\S{0,12}?(?:お知らせ|通知|ご案内|ご連絡|変更|"
    r"メール|書面|文書|改定)"
)
_DENIED_AFTER = re.compile(r"^\s*(?:で|に)?\s*は?(?:なく|ありません|ない)|^\s*じゃなく")


def _date_scores(normalized: str, base: date) -> list[tuple[int, DateMention, str]]:
    scored: list[tuple[int, DateMention, str]] = []
    for mention in find_dates(normalized, base, normalized=True):
        after = normalized[mention.end : mention.end + 16]
        before = normalized[max(0, mention.start - 14) : mention.start]
        score, why = 0, "the only date"
        if _NOTICE_AFTER.match(after):
            score, why = -5, "the date of a notice"
        elif _DENIED_AFTER.match(after):
            score, why = -5, f"denied ({after[:6].strip()!r})"
        elif _DATE_AFTER.match(after):
            score, why = 3, f"followed by {after[:6].strip()!r}"
        elif _DATE_BEFORE.search(before):
            score, why = 2, f"after {before.strip()[-6:]!r}"
        # A notice's date or a denied one needs nothing more weighed.
        if score >= 0 and (_NOT_REQUESTED.search(before) or _OTHER_AFTER.match(after)):
            score, why = score - 3, "a date of something else"
        if mention.value < base and (base - mention.value).days > 31:
            score -= 2  # long past: a date of something that happened
        scored.append((score, mention, why))
    return scored


def requested_date(text: str, base: date) -> tuple[DateMention, str] | None:
    """The date the customer asks things to end on, and why that one; None when none is given."""
    return _pick(_date_scores(normalize(text), base))


def _pick(scored: list[tuple[int, DateMention, str]]) -> tuple[DateMention, str] | None:
    if not scored:
        return None
    top = max(score for score, _, _ in scored)
    best = [(mention, why) for score, mention, why in scored if score == top]
    if top < 0:
        return None
    if len({mention.value for mention, _ in best}) > 1:
        # Several dates, none tied to the request more than the others: take none rather than
        # guess (a wrong date decides a deadline; a missing one goes to staff as "no date").
        return best[0] if top > 0 else None
    return best[0]


def notice_date(text: str, base: date) -> date | None:
    """The date of the notice a mail refers to (R13's 変更の通知日), when it names one."""
    return _notice(_date_scores(normalize(text), base))


def _notice(scored: list[tuple[int, DateMention, str]]) -> date | None:
    for _, mention, why in scored:
        if why == "the date of a notice":
            return mention.value
    return None


_ENCODED_REMNANT = re.compile(r"=\?[^?\s]*\?[bqBQ]\?[^?\s]*\?=")
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|返信|転送)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)


def _asks_nothing(text: str, base: date) -> bool:
    """No request, question, refund or date in these words."""
    lowered = normalize(text).lower()
    return not (
        _CANCEL.search(lowered)
        or _REFUND.search(lowered)
        or _QUESTION.search(lowered)
        or _REQUEST_VERB.search(lowered)
        or find_dates(lowered, base, normalized=True)
    )
