"""Phrase bank of the sample-data transcripts, separate from the cue lexicon.

Written for the generator from the concept definitions (the fourteen reasons sales are lost,
the ten human needs, the four social styles, Martin's two sides; tests/data/text/README.md),
not from ``servscore/data/text/lexicon.json``: the sample transcripts are text the classifier
was not tuned on, so tests on them measure it instead of echoing its own phrases.

Each entry is ``concept: ([English sentences], [Chinese sentences])``; ``{n}`` is the
customer's surname and ``{b}`` the branch. ``STAFF`` sentences are said by staff,
``CUSTOMER`` sentences by the customer. ``LOST_SALE`` maps the staff concepts that show a
lost-sale reason to its :class:`~servscore.LostSaleReason` name; ``STYLE`` the customer
concepts that show a social style to its name.
"""

from __future__ import annotations

STAFF: dict[str, tuple[list[str], list[str]]] = {
    "greeting": (
        ["Morning! Come on in, nice to see you at {b}.", "Hi, welcome in, take a look around."],
        ["欢迎来{b}，里面请。", "您来啦，快请进。"],
    ),
    "using_name": (
        ["Ah, {n}, good to have you back.", "{n}, I kept the parcel aside for you."],
        ["{n}姐，又见面了。", "{n}老师，您的东西我单独放好了。"],
    ),
    "apology": (
        ["That's on us, I'm really sorry it happened.", "My apologies, that should never have happened."],
        ["这事是我们没做好，真不好意思。", "给您添麻烦了，实在抱歉。"],
    ),
    "thanks_for_waiting": (
        ["Thanks for hanging on, I know it was a while.", "Appreciate your patience there."],
        ["辛苦您等了这么一会儿。", "多谢您耐心等着。"],
    ),
    "thanks": (
        ["Cheers, we really appreciate your custom.", "Thanks so much for coming to us."],
        ["感谢您一直照顾我们生意。", "谢谢您选我们家。"],
    ),
    "offering_help": (
        ["Want me to sort that out for you?", "I can take care of the paperwork if you like."],
        ["这个手续我帮您一起办了吧。", "需要的话我替您搬到车上。"],
    ),
    "anticipating_need": (
        ["I've put a chair here for your mum.", "It's raining, so I wrapped the box in plastic."],
        ["外面下雨，我给您的盒子套了个袋子。", "看您带着老人，我搬了把椅子过来。"],
    ),
    "product_knowledge": (
        [
            "This one runs on a 65-watt adapter and charges in about an hour.",
            "The fabric is 80% wool, so dry-clean only.",
        ],
        ["这款电池是五千毫安的，充满大概一小时。", "面料是八成羊毛，只能干洗。"],
    ),
    "disinterest": (
        ["(carries on texting) Yeah, it's somewhere over there.", "Dunno, that's not really my department."],
        ["（低头玩手机）在那边吧，自己找找。", "这个你问别的柜台，我不清楚也不想管。"],
    ),
    "mistake": (
        ["Oops, I rang it up as two instead of one.", "Looks like I booked you in for next month by accident."],
        ["不好意思，我把地址录成隔壁小区了。", "刚才多收了您一份的钱。"],
    ),
    "too_anxious": (
        [
            "Sign today or the offer goes, I can't hold it.",
            "I'll call you again tonight and tomorrow until you decide.",
        ],
        ["今天不定明天就涨价了，您赶紧签。", "我晚上再给您打电话，您一定得今天定下来。"],
    ),
    "talking_down_brands": (
        ["The shop across the road sells rubbish, honestly.", "Their phones fall apart in a year, everyone knows."],
        ["对面那家卖的东西质量差得很。", "那个楼盘偷工减料，买了就后悔。"],
    ),
    "arguing": (
        ["No, that's not what happened, you've got it backwards.", "I'm telling you the policy, don't argue with me."],
        ["不可能，肯定是您自己弄坏的。", "规定就是这样，您跟我争也没用。"],
    ),
    "long_winded": (
        [
            "So the story with this model goes back to my uncle, who had one in the nineties, and he always said...",
            "Before I answer that, let me tell you about all twelve colours and the history of the range.",
        ],
        ["说起这款啊，我跟您从头讲讲我们老板当年创业的事……", "您先别急，我把十几个套餐一个个给您介绍一遍。"],
    ),
    "discourtesy": (
        ["Oi, don't touch that.", "Ugh, what now?"],
        ["喂，别乱摸。", "又有什么事啊，烦不烦。"],
    ),
    "favouritism": (
        ["Hang on, let me do my mate's order first.", "VIP members go ahead of you, just wait."],
        ["我先给老熟人办，您往后排排。", "会员优先，你们普通客户等会儿。"],
    ),
    "hurrying": (
        ["Quick, quick, decide, there's a line behind you.", "We're shutting in two minutes, grab something and go."],
        ["快点选，后面一堆人等着呢。", "马上关门了，拿了就走吧。"],
    ),
    "embarrassing": (
        ["(loudly) Your card's been declined again!", "That size? Bit ambitious, isn't it?"],
        ["（大声）你这卡刷不出来啊！", "这么胖还想穿这个号？"],
    ),
    "misrepresenting": (
        ["It's fully waterproof, you can swim with it for hours.", "The flat gets full sun all day, guaranteed."],
        ["这房子全天都有阳光，我保证。", "这个包是真皮的，用十年都不坏。"],
    ),
    "lacking_product_info": (
        ["Not sure what the battery life is, never looked.", "I've no clue how the warranty works, sorry."],
        ["电池能用多久我也说不上来。", "保修怎么算我真不知道，我是新来的。"],
    ),
    "wasting_time": (
        [
            "You'll need to go to the other desk and fill in the form again.",
            "Our system's slow, come back later this week.",
        ],
        ["您得去三楼再填一遍表。", "今天办不了，下周再跑一趟吧。"],
    ),
    "too_personal": (
        ["So, got a boyfriend yet? How much do you earn?", "You look tired, trouble at home?"],
        ["你一个月挣多少啊？有对象了吗？", "看你这年纪，孩子上几年级了？"],
    ),
}

CUSTOMER: dict[str, tuple[list[str], list[str]]] = {
    "time_pressure": (
        ["I've got to pick my son up in ten minutes.", "My train leaves soon, can we speed this up?"],
        ["我十分钟后还得去接孩子。", "我赶火车，能不能快一点？"],
    ),
    "children": (
        ["Sorry, my little one keeps pulling things off the shelf.", "Where can I change the baby?"],
        ["不好意思，我家小宝老去抓货架上的东西。", "这里有给宝宝换尿布的地方吗？"],
    ),
    "first_time": (
        ["I've never shopped here, how does it work?", "A friend sent me, this is my first visit."],
        ["我从没来过，这里怎么办理？", "朋友推荐的，头一趟来。"],
    ),
    "complaint": (
        ["This is the third time it's broken, I want it sorted.", "Frankly I'm fed up with how this has gone."],
        ["已经坏第三回了，你们得给个说法。", "说实话，这次的事让我很窝火。"],
    ),
    "detail_question": (
        ["What's the exact weight, and is that with the battery?", "Could I see the spec sheet and the test results?"],
        ["具体重量是多少？含不含电池？", "能把检测报告和规格表给我看看吗？"],
    ),
    "command": (
        ["Just ring it up. Now.", "Fetch whoever's in charge."],
        ["别啰嗦，直接开单。", "把你们负责人叫过来。"],
    ),
    "emotional": (
        ["Oh my goodness, this is gorgeous, I'm thrilled!", "Ha! Brilliant, I could hug you!"],
        ["天哪，太漂亮了，我好激动！", "哈哈，真是绝了，爱死了！"],
    ),
    "seeks_reassurance": (
        ["No rush at all, whatever you think is best.", "Sorry to bother you, would you mind helping?"],
        ["不急不急，您看着帮我挑吧。", "麻烦你了，不好意思打扰一下。"],
    ),
}

FILLER: tuple[list[str], list[str]] = (
    ["Right.", "Here's the bag.", "By card, please.", "Mm-hm.", "That one on the left."],
    ["嗯。", "袋子给您。", "扫码吧。", "左边那个。", "行。"],
)

#: Staff concepts that show a lost-sale reason.
LOST_SALE: dict[str, str] = {
    "disinterest": "disinterest",
    "mistake": "making_a_mistake",
    "too_anxious": "appearing_too_anxious",
    "talking_down_brands": "talking_down_other_brands",
    "arguing": "arguing",
    "long_winded": "long_winded",
    "discourtesy": "lack_of_courtesy",
    "favouritism": "showing_favouritism",
    "hurrying": "being_hurried",
    "embarrassing": "embarrassing_the_customer",
    "misrepresenting": "misrepresenting_merchandise",
    "lacking_product_info": "lack_of_product_information",
    "wasting_time": "wasting_time",
    "too_personal": "getting_too_personal",
}

#: Customer concepts that show a social style.
STYLE: dict[str, str] = {
    "detail_question": "analytical",
    "command": "driver",
    "emotional": "expressive",
    "seeks_reassurance": "amiable",
}
