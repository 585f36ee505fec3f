"""Sample tables ``customers`` (planted social styles, a style questionnaire) and ``interactions``
(transcripts in English and Chinese with planted cues, situation fields, encounter ratings)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._core import default_encounter_indicators
from ._registry import table

_STYLES = ["analytical", "amiable", "driver", "expressive"]
# style -> (sign of assertiveness, sign of responsiveness)
_SIGNS = {"analytical": (-1, -1), "amiable": (-1, 1), "driver": (1, -1), "expressive": (1, 1)}
_SURNAMES_EN = ["Smith", "Brown", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Young"]
_SURNAMES_ZH = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"]

# The default 12-item instrument: (item, axis, reverse)
_ITEMS = [(f"a{i}", 0, i % 2 == 0) for i in range(1, 7)] + [(f"r{i}", 1, i % 2 == 0) for i in range(1, 7)]


@table("customers", n_customers=600, customer_missing_rate=0.02)
def customers(data: Any, rng: np.random.Generator, *, n_customers: int, customer_missing_rate: float) -> pd.DataFrame:
    """One row per customer: id, branch, language, surname, first-visit date, and the twelve 1-7 answers
    (a1-a6 assertiveness, r1-r6 responsiveness; even items reverse-keyed) of the default style questionnaire."""
    n = int(n_customers)
    if n < 0:
        raise ValueError("n_customers must be >= 0")
    style = rng.choice(_STYLES, size=n, p=[0.25, 0.3, 0.2, 0.25])
    lang = np.where(rng.random(n) < 0.5, "zh", "en")
    latent = np.empty((n, 2))
    for s, (sa, sr) in _SIGNS.items():
        m = style == s
        latent[m, 0] = sa * rng.uniform(0.25, 0.9, size=m.sum())
        latent[m, 1] = sr * rng.uniform(0.25, 0.9, size=m.sum())
    answers = np.empty((n, len(_ITEMS)))
    for j, (_, axis, rev) in enumerate(_ITEMS):
        x = 4.0 + 3.0 * latent[:, axis] + rng.normal(0.0, 0.9, size=n)
        x = np.clip(np.rint(x), 1, 7)
        answers[:, j] = 8 - x if rev else x
    answers[rng.random(size=answers.shape) < float(customer_missing_rate)] = np.nan
    surname = np.where(
        lang == "zh",
        np.array(_SURNAMES_ZH)[rng.integers(0, 8, size=n)],
        np.array(_SURNAMES_EN)[rng.integers(0, 8, size=n)],
    )
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "branch": data.branches["branch"].to_numpy()[rng.integers(0, len(data.branches), size=n)],
            "lang": lang,
            "surname": surname,
        }
    )
    for j, (name, _, _) in enumerate(_ITEMS):
        df[name] = answers[:, j]
    data.truth["customers"] = {"style": style.tolist(), "latent": latent}
    return df


# Sentences that each carry exactly one cue of the default lexicon ({n}: surname, {b}: branch).
_STAFF = {
    "greeting": (["Good morning, welcome to {b}.", "Hello there."], ["您好，欢迎光临{b}。", "早上好！"]),
    "using_name": (
        ["Mr {n}, your order is ready.", "Ms {n}, this way please."],
        ["{n}先生，您的订单好了。", "{n}女士，这边请。"],
    ),
    "apology": (
        ["Sorry about the mix-up with the bag.", "I do apologise for that."],
        ["对不起，袋子拿混了。", "抱歉，刚才那边太挤了。"],
    ),
    "thanks_for_waiting": (
        ["Thank you for waiting.", "Sorry to keep you waiting."],
        ["让您久等了。", "谢谢您的耐心等待。"],
    ),
    "thanks": (["Thanks, see you soon.", "Thank you, have a nice day."], ["谢谢，慢走。", "多谢您的光顾。"]),
    "offering_help": (
        ["How can I help today?", "Let me check that for you."],
        ["有什么可以帮您的吗？", "我来帮您看看。"],
    ),
    "anticipating_need": (
        ["Have a seat while I get it.", "You might also need a charger for that."],
        ["您先坐，我这就拿过来。", "给小朋友一个气球玩。"],
    ),
    "product_knowledge": (
        ["It comes with a two-year warranty.", "The price is 399 and it is in stock."],
        ["这款有两年保修。", "价格是三百九十九元。"],
    ),
    "disinterest": (["Whatever, ask someone else.", "Not my problem."], ["随便，问别人去。", "这不归我管。"]),
    "mistake": (
        ["Oh, my mistake, that was the wrong size.", "We charged twice, my bad."],
        ["哎呀，搞错了尺码。", "这是我们的失误。"],
    ),
    "too_anxious": (
        ["Buy it now, it's your last chance.", "Only today at this price."],
        ["赶紧买吧，过了就没了。", "最后机会了。"],
    ),
    "talking_down_brands": (
        ["Other brands are junk.", "Don't buy from them down the road."],
        ["别家的都是次品。", "那个牌子不行。"],
    ),
    "arguing": (
        ["You're wrong about the receipt.", "I already told you the rules."],
        ["你错了，收据上写着呢。", "我已经说过了。"],
    ),
    "long_winded": (
        [
            "As I was saying, there is the blue one and the grey one and the old model too.",
            "Let me explain again from the start.",
        ],
        ["我再说一遍，蓝的灰的老款都有。", "说来话长，这个型号当年是这样的。"],
    ),
    "discourtesy": (["What do you want now?", "Go away, we are busy."], ["你想干嘛？", "走开，别挡着。"]),
    "favouritism": (
        ["Regulars first, you wait.", "I'll serve him first, he is my friend."],
        ["熟客优先，你等着。", "老客户先办。"],
    ),
    "hurrying": (["Hurry up, we're closing.", "Make it quick."], ["您快点，我们要下班了。", "下一位！"]),
    "embarrassing": (["Can you even afford this one?", "Everybody knows that."], ["你买得起吗？", "这都不知道。"]),
    "misrepresenting": (
        ["This never breaks, 100% guaranteed.", "It's the best in the world."],
        ["这个绝对不会坏。", "全世界最好的。"],
    ),
    "lacking_product_info": (
        ["I'll have to ask, I don't know the price.", "No idea about that model."],
        ["这个我不了解。", "我得问一下经理。"],
    ),
    "wasting_time": (
        ["Come back tomorrow, the system is down.", "You must queue again over there."],
        ["明天再来吧。", "系统坏了，重新排队。"],
    ),
    "too_personal": (["How old are you, sweetie?", "Are you married?"], ["美女，你多大了？", "结婚了吗？"]),
}
_CUSTOMER = {
    "time_pressure": (["I'm in a hurry.", "How much longer will this take?"], ["我赶时间。", "还要等多久？"]),
    "children": (
        ["My kids are getting restless.", "Is there room for the stroller?"],
        ["孩子有点闹。", "婴儿车放哪里？"],
    ),
    "first_time": (
        ["It's my first time here.", "I have never been here before, first visit."],
        ["我第一次来。", "头一回来这家店。"],
    ),
    "complaint": (
        ["This is unacceptable, please refund it.", "I am disappointed."],
        ["太差了，请退款。", "我很失望。"],
    ),
    "detail_question": (
        ["What is the difference between these two?", "Can you explain how does it work exactly?"],
        ["这两款有什么区别？", "能详细说说参数吗？"],
    ),
    "command": (
        ["Give me the blue one.", "Get me your manager, I need it now."],
        ["给我拿蓝色的。", "马上叫你们经理来。"],
    ),
    "emotional": (["Wow, I love it!", "That's amazing, so happy."], ["哇，太棒了！", "好开心，太好了！"]),
    "seeks_reassurance": (
        ["What do you recommend?", "My friend told me to come here, take your time."],
        ["你推荐哪一款？", "朋友介绍来的，不着急。"],
    ),
}
_FILLER = (
    ["The receipt is in the bag.", "It is on the second shelf.", "Card or cash?", "Here you are.", "Okay."],
    ["收据在袋子里。", "在第二个货架上。", "刷卡还是现金？", "给您。", "好的。"],
)
# staff cues per branch profile: (positive-cue probability, lost-sale-cue probability)
_PROFILE = {
    "quality": (0.55, 0.03),
    "friendly": (0.5, 0.06),
    "factory": (0.15, 0.12),
    "freezer": (0.08, 0.25),
    "mixed": (0.3, 0.1),
}
_POSITIVE = [
    "greeting",
    "using_name",
    "apology",
    "thanks_for_waiting",
    "thanks",
    "offering_help",
    "anticipating_need",
    "product_knowledge",
]
_NEGATIVE = [k for k in _STAFF if k not in _POSITIVE]
_STYLE_CUE = {
    "analytical": "detail_question",
    "driver": "command",
    "expressive": "emotional",
    "amiable": "seeks_reassurance",
}


@table("interactions", n_interactions=2000, observed_rate=0.4)
def interactions(data: Any, rng: np.random.Generator, *, n_interactions: int, observed_rate: float) -> pd.DataFrame:
    """One row per interaction: id, customer, branch, staff, channel, language, transcript (English or
    Chinese, staff and customer turns with planted cues), the situation fields the needs engine reads
    (wait_minutes, looked_at_watch, with_children, queue_before_opening, peak_hour,
    days_since_last_contact, complaint_open, first_visit, elderly) and, for the observed share, 1-5
    ratings of Martin's sixteen encounter indicators (NaN when not observed)."""
    n = int(n_interactions)
    if n < 0:
        raise ValueError("n_interactions must be >= 0")
    cust = data.customers
    styles = np.asarray(data.truth["customers"]["style"])
    ci = rng.integers(0, len(cust), size=n)
    lang = cust["lang"].to_numpy()[ci]
    branches = data.branches
    bi = rng.integers(0, len(branches), size=n)
    profile = branches["profile"].to_numpy()[bi]
    wait = np.round(rng.gamma(2.0, 4.0, size=n), 1)
    looked = (wait > 12) & (rng.random(n) < 0.7)
    children = rng.random(n) < 0.15
    before_open = rng.random(n) < 0.05
    peak = rng.random(n) < 0.3
    first = rng.random(n) < 0.2
    days = np.where(first, -1, rng.integers(1, 400, size=n))
    complaint_open = rng.random(n) < 0.08
    elderly = rng.random(n) < 0.12
    planted: list[list[str]] = []
    texts: list[str] = []
    for i in range(n):
        li = 1 if lang[i] == "zh" else 0
        name = cust["surname"].iloc[ci[i]]
        fmt = {"n": name, "b": branches["branch"].iloc[bi[i]]}
        p_pos, p_neg = _PROFILE[profile[i]]
        cues_i: list[str] = []
        staff = [c for c in _POSITIVE if rng.random() < p_pos] + [c for c in _NEGATIVE if rng.random() < p_neg]
        customer: list[str] = []
        if looked[i] or wait[i] > 15:
            customer.append("time_pressure")
        if children[i]:
            customer.append("children")
        if first[i] and rng.random() < 0.6:
            customer.append("first_time")
        if complaint_open[i]:
            customer.append("complaint")
        if rng.random() < 0.8:  # most customers show their style; some say too little
            customer += [_STYLE_CUE[styles[ci[i]]]] * int(rng.integers(2, 4))
        turns: list[str] = []
        order = staff + customer
        rng.shuffle(order)
        for c in order:
            options = (_STAFF.get(c) or _CUSTOMER[c])[li]
            who = ("Staff: ", "Customer: ") if li == 0 else ("店员：", "顾客：")
            turns.append(
                (who[0] if c in _STAFF else who[1]) + options[int(rng.integers(0, len(options)))].format(**fmt)
            )
            cues_i.append(c)
            if rng.random() < 0.4:
                f = _FILLER[li]
                turns.append(who[int(rng.integers(0, 2))] + f[int(rng.integers(0, len(f)))])
        texts.append((" " if li == 0 else "").join(turns))
        planted.append(sorted(set(cues_i)))
    inds = default_encounter_indicators()
    observed = rng.random(n) < float(observed_rate)
    df = pd.DataFrame(
        {
            "interaction_id": np.arange(1, n + 1),
            "customer_id": cust["customer_id"].to_numpy()[ci],
            "branch": branches["branch"].to_numpy()[bi],
            "channel": np.array(["counter", "phone", "chat"])[rng.integers(0, 3, size=n)],
            "lang": lang,
            "transcript": texts,
            "wait_minutes": wait,
            "looked_at_watch": looked,
            "with_children": children,
            "queue_before_opening": before_open,
            "peak_hour": peak,
            "days_since_last_contact": days,
            "complaint_open": complaint_open,
            "first_visit": first,
            "elderly": elderly,
        }
    )
    proc = branches["procedural_level"].to_numpy()[bi]
    pers = branches["personal_level"].to_numpy()[bi]
    for ind in inds:
        base = proc if ind.side == "procedural" else pers
        r = np.clip(np.rint(base + rng.normal(0.0, 0.7, size=n)), 1, 5)
        df[ind.name] = np.where(observed, r, np.nan)
    data.truth["interactions"] = {"cues": planted, "customer_style": styles[ci].tolist(), "observed": observed}
    return df
