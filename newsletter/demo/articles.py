"""Article pages for the demo items: our own invented news, wrapped in realistic clutter.

Every item of the sample feeds has a page here (``articles.json``, keyed by the item's
canonical link). A page carries what real news pages carry around the text: navigation,
a cookie banner, advertising, a "read also" link inside the body, a photo with its caption,
share buttons, a newsletter sign-up box, related links, readers' comments and a footer.
``expected_text`` is the article text alone, paragraph by paragraph: what an extractor
should return and nothing else.

The demo server serves a page at ``article_path(link)`` (``/articles/<host><path>``) and
``robots_txt()`` at ``/robots.txt``. ``wall_page`` writes a paywall, a consent wall and a
login page in each language, for the extraction guards.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..urls import canonical_url

_DATA = Path(__file__).resolve().parent / "articles.json"
ARTICLE_PREFIX = "/articles/"

# Everything around the text, per language. None of it may come back from extraction.
_CLUTTER: dict[str, dict[str, Any]] = {
    "fr": {
        "nav": ("Accueil", "Politique", "Économie", "International", "Sport", "Culture", "Vidéos",
                "Podcasts", "Le journal du jour"),
        "cookie": "Nous utilisons des cookies pour mesurer l'audience et personnaliser les publicités. "
                  "Vous pouvez modifier vos choix à tout moment dans les paramètres.",
        "cookie_buttons": ("Tout accepter", "Paramétrer", "Continuer sans accepter"),
        "ad": "Publicité",
        "ad_text": "Offre spéciale : votre crédit immobilier à taux réduit, simulation gratuite en ligne.",
        "read_also": "Lire aussi",
        "by": "Par",
        "photo": "Photo",
        "caption": "Vue générale prise jeudi en fin de journée, quelques heures avant l'annonce.",
        "share": ("Partager sur Facebook", "Partager sur X", "Envoyer par WhatsApp", "Copier le lien"),
        "signup_title": "Recevez notre lettre du matin",
        "signup_text": ("L'essentiel de l'actualité chaque jour à 7 heures, "
                        "gratuitement dans votre boîte mail."),
        "signup_button": "Je m'inscris",
        "related": "À lire également",
        "comments": "Réactions",
        "comment_texts": ("Merci pour cet article très complet, enfin des chiffres précis.",
                          "On en reparlera dans six mois, comme d'habitude rien ne changera.",
                          "Quelqu'un sait si les horaires de la semaine prochaine sont maintenus ?"),
        "comment_names": ("Karim_75", "Sophie L.", "Un lecteur de Fès"),
        "comment_cta": "Connectez-vous pour réagir",
        "footer": ("Mentions légales", "Politique de confidentialité", "Gestion des cookies",
                   "Nous contacter", "Abonnement"),
        "rights": "Tous droits réservés. Reproduction interdite sans autorisation.",
        "most_read": "Les plus lus",
    },
    "en": {
        "nav": ("Home", "Politics", "Business", "World", "Sport", "Culture", "Video", "Podcasts",
                "Today's paper"),
        "cookie": "We use cookies to measure our audience and personalise advertising. "
                  "You can change your choices at any time in the settings.",
        "cookie_buttons": ("Accept all", "Manage preferences", "Reject all"),
        "ad": "Advertisement",
        "ad_text": "Limited offer: refinance your mortgage at a lower rate, free online quote.",
        "read_also": "Read more",
        "by": "By",
        "photo": "Photograph",
        "caption": "A general view taken late on Thursday, a few hours before the announcement.",
        "share": ("Share on Facebook", "Share on X", "Send by WhatsApp", "Copy link"),
        "signup_title": "Get our morning newsletter",
        "signup_text": "The day's essential news at 7am, free in your inbox.",
        "signup_button": "Sign up",
        "related": "More on this story",
        "comments": "Comments",
        "comment_texts": ("Thanks for a thorough piece, finally some precise numbers.",
                          "We'll talk about this again in six months and nothing will have changed.",
                          "Does anyone know whether next week's timetable still stands?"),
        "comment_names": ("harbourwatcher", "J. Mensah", "A reader in Leeds"),
        "comment_cta": "Log in to comment",
        "footer": ("Terms of use", "Privacy policy", "Cookie settings", "Contact us", "Subscribe"),
        "rights": "All rights reserved. Do not reproduce without permission.",
        "most_read": "Most read",
    },
    "ar": {
        "nav": ("الرئيسية", "سياسة", "اقتصاد", "دولي", "رياضة", "ثقافة", "فيديو", "بودكاست",
                "عدد اليوم"),
        "cookie": "نستخدم ملفات تعريف الارتباط لقياس عدد الزوار وتخصيص الإعلانات. "
                  "يمكنك تعديل اختياراتك في أي وقت من الإعدادات.",
        "cookie_buttons": ("قبول الكل", "الإعدادات", "المتابعة دون قبول"),
        "ad": "إعلان",
        "ad_text": "عرض خاص: قرض سكني بفائدة مخفضة، احسب أقساطك مجانا عبر الإنترنت.",
        "read_also": "اقرأ أيضا",
        "by": "بقلم",
        "photo": "صورة",
        "caption": "منظر عام التُقط مساء الخميس، قبل ساعات من الإعلان.",
        "share": ("شارك على فيسبوك", "شارك على إكس", "أرسل عبر واتساب", "انسخ الرابط"),
        "signup_title": "اشترك في نشرتنا الصباحية",
        "signup_text": "أهم الأخبار كل يوم على الساعة السابعة صباحا، مجانا في بريدك الإلكتروني.",
        "signup_button": "اشترك",
        "related": "مواضيع ذات صلة",
        "comments": "تعليقات القراء",
        "comment_texts": ("شكرا على هذا المقال المفصل، أخيرا أرقام دقيقة.",
                          "سنعود للحديث عن هذا بعد ستة أشهر ولن يتغير شيء كالعادة.",
                          "هل يعرف أحد إن كانت مواعيد الأسبوع المقبل ما زالت قائمة؟"),
        "comment_names": ("ابن الجديدة", "سلمى م.", "قارئ من طنجة"),
        "comment_cta": "سجّل الدخول للتعليق",
        "footer": ("الشروط القانونية", "سياسة الخصوصية", "إدارة ملفات تعريف الارتباط", "اتصل بنا",
                   "الاشتراك"),
        "rights": "جميع الحقوق محفوظة. يمنع النقل دون إذن.",
        "most_read": "الأكثر قراءة",
    },
}


@cache
def _articles() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


@cache
def _index() -> dict[str, str]:
    """Every accepted way to name an item (link, demo path, entry id) -> its link."""
    index: dict[str, str] = {}
    for link, article in _articles().items():
        index[link] = link
        index[article_path(link)] = link
        if article["id"]:
            index.setdefault(article["id"], link)
    return index


def article_path(link: str) -> str:
    """Where the demo server serves an item's page: ``/articles/<host><path>``."""
    parts = urlsplit(canonical_url(link))
    return f"{ARTICLE_PREFIX}{parts.hostname}{parts.path}"


def article_links() -> tuple[str, ...]:
    """The canonical links of every demo item that has a page."""
    return tuple(_articles())


def article(item: str) -> dict[str, Any]:
    """An item's data (title, standfirst, paragraphs, lang...) by link, demo path or entry id."""
    key = item.split("?", 1)[0]
    link = _index().get(key) or _index().get(canonical_url(key))
    if link is None:
        raise KeyError(f"no demo article for {item!r}")
    return _articles()[link]


def expected_text(item: str) -> str:
    """The article text alone, paragraphs separated by blank lines."""
    return "\n\n".join(article(item)["paragraphs"])


def standfirst(item: str) -> str:
    """The item's standfirst, as a feed teaser would carry it."""
    return str(article(item)["standfirst"])


def article_page(item: str) -> bytes:
    """The full HTML page for a demo item (UTF-8), clutter included."""
    data = article(item)
    lang = data["lang"]
    words = _CLUTTER[lang]
    related = _related(data)
    body = _body(data, words, related[:1])
    return _page(lang, data["title"], data["source"], words, _head_meta(data), "".join((
        _cookie_banner(words),
        _masthead(data["source"], words),
        _ad(words, "top"),
        '<main id="content"><div class="layout"><article class="article">',
        f'<nav class="breadcrumb"><a href="/">{escape(words["nav"][0])}</a> › '
        f'<a href="/section">{escape(data["section"] or words["nav"][1])}</a></nav>',
        f'<header class="article-header"><h1>{escape(data["title"])}</h1>',
        f'<p class="standfirst">{escape(data["standfirst"])}</p>',
        _byline(data, words), "</header>",
        _figure(data, words),
        _share(words),
        body,
        _share(words),
        "</article>",
        _aside(data, words, related),
        "</div>",
        _signup(words),
        _comments(words),
        "</main>",
        _footer(data["source"], words),
    )))


def robots_txt() -> bytes:
    """The demo server's robots.txt: articles allowed, one private folder refused."""
    return b"User-agent: *\nDisallow: /articles/private/\nAllow: /\n"


def wall_page(kind: str, lang: str) -> bytes:
    """A paywall, consent wall or login page (``kind``) in ``lang``, written by us."""
    texts = _WALLS[kind][lang]
    words = _CLUTTER[lang]
    teaser = f'<p class="standfirst">{escape(texts[0])}</p>' if texts[0] else ""
    form = ""
    if kind == "login":
        form = ('<form method="post" action="/login"><label>E-mail <input type="email" name="email">'
                '</label><label>Password <input type="password" name="password"></label>'
                f'<button type="submit">{escape(texts[2])}</button></form>')
    wall = (f'<div class="{kind}-wall" id="{kind}"><h2>{escape(texts[1])}</h2>'
            f"<p>{escape(texts[2])}</p>{form}</div>")
    return _page(lang, texts[1], "Demo", words, "", "".join((
        _masthead("Demo", words), '<main><article class="article">',
        f"<h1>{escape(texts[3])}</h1>", teaser, wall, "</article></main>",
        _footer("Demo", words))))


# (teaser shown above the wall, wall title, wall text / button, headline)
_WALLS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "paywall": {
        "fr": ("Le conseil de la ville a voté jeudi soir un plan de rénovation des écoles du centre.",
               "Cet article est réservé aux abonnés",
               "Il vous reste 85 % de cet article à lire. Abonnez-vous dès 1 € le premier mois "
               "pour lire la suite.", "Écoles : le plan de rénovation voté"),
        "en": ("The city council voted on Thursday night for a plan to renovate central schools.",
               "This article is for subscribers only",
               "Subscribe to continue reading. Get unlimited access for $1 for your first month.",
               "Schools: renovation plan approved"),
        "ar": ("صوّت مجلس المدينة مساء الخميس على خطة لترميم مدارس وسط المدينة.",
               "هذا المقال مخصص للمشتركين",
               "اشترك لمواصلة القراءة. تبقى لك 85 في المائة من المقال، اشترك بدرهم واحد للشهر الأول.",
               "المدارس: المصادقة على خطة الترميم"),
    },
    "consent": {
        "fr": ("", "Vos choix concernant l'utilisation de cookies",
               "Pour continuer la lecture, acceptez les cookies ou abonnez-vous à l'offre sans "
               "publicité. Nous et nos 842 partenaires traitons vos données personnelles.",
               "Avant de continuer"),
        "en": ("", "We value your privacy",
               "To continue reading, accept cookies or subscribe to our ad-free plan. We and our "
               "842 partners process your personal data.", "Before you continue"),
        "ar": ("", "خصوصيتك تهمّنا",
               "لمواصلة القراءة، يرجى قبول ملفات تعريف الارتباط أو الاشتراك في العرض دون إعلانات. "
               "نحن وشركاؤنا نعالج بياناتك الشخصية.", "قبل المتابعة"),
    },
    "login": {
        "fr": ("", "Connectez-vous pour lire cet article",
               "Se connecter", "Identifiez-vous"),
        "en": ("", "Sign in to read this article", "Sign in", "Log in to your account"),
        "ar": ("", "سجّل الدخول لقراءة هذا المقال", "تسجيل الدخول", "تسجيل الدخول إلى حسابك"),
    },
}


def _page(lang: str, title: str, source: str, words: dict[str, Any], meta: str, body: str) -> bytes:
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} | {escape(source)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<style>.cookie-banner{{position:fixed;bottom:0}}.ad{{min-height:90px}}</style>"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());</script>"
        f"</head><body>{body}"
        '<script src="/static/app.js" async></script></body></html>'
    ).encode()


def _head_meta(data: dict[str, Any]) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": data["title"], "datePublished": data["published"],
                     "author": {"@type": "Person", "name": data["author"]},
                     "isAccessibleForFree": True}, ensure_ascii=False)
    return (f'<meta property="og:title" content="{escape(data["title"])}">'
            f'<meta name="description" content="{escape(data["standfirst"][:160])}">'
            f'<script type="application/ld+json">{ld}</script>')


def _cookie_banner(words: dict[str, Any]) -> str:
    buttons = "".join(f'<button type="button">{escape(b)}</button>' for b in words["cookie_buttons"])
    return (f'<div class="cookie-banner" id="cmp" role="dialog"><p>{escape(words["cookie"])}</p>'
            f"{buttons}</div>")


def _masthead(source: str, words: dict[str, Any]) -> str:
    items = "".join(f'<li><a href="/{i}">{escape(n)}</a></li>' for i, n in enumerate(words["nav"]))
    return (f'<header class="site-header"><a class="logo" href="/">{escape(source)}</a>'
            f'<nav class="main-nav"><ul>{items}</ul></nav>'
            f'<a class="subscribe" href="/abonnement">{escape(words["footer"][4])}</a></header>')


def _ad(words: dict[str, Any], where: str) -> str:
    return (f'<div class="ad ad-{where}" data-slot="{where}"><span class="ad-label">'
            f'{escape(words["ad"])}</span><a href="https://ads.example/click?slot={where}">'
            f'{escape(words["ad_text"])}</a></div>')


def _byline(data: dict[str, Any], words: dict[str, Any]) -> str:
    author = data["author"] or data["source"]
    return (f'<div class="byline"><span class="author">{escape(words["by"])} '
            f'<a href="/auteurs/1">{escape(author)}</a></span> <time datetime="{data["published"]}">'
            f'{escape(data["published"])}</time></div>')


def _figure(data: dict[str, Any], words: dict[str, Any]) -> str:
    return (f'<figure class="lead-image"><img src="/img/{escape(data["id"] or "photo")}.jpg" '
            f'alt="" width="1200" height="675"><figcaption>{escape(words["caption"])} '
            f'<span class="credit">{escape(words["photo"])} : {escape(data["source"])}</span>'
            "</figcaption></figure>")


def _share(words: dict[str, Any]) -> str:
    links = "".join(f'<li><a href="#share-{i}">{escape(s)}</a></li>' for i, s in enumerate(words["share"]))
    return f'<ul class="share-buttons">{links}</ul>'


def _body(data: dict[str, Any], words: dict[str, Any], also: list[dict[str, Any]]) -> str:
    paragraphs = [f"<p>{escape(p)}</p>" for p in data["paragraphs"]]
    middle = max(1, len(paragraphs) // 2)
    inserts = [_ad(words, "inread")]
    if also:
        inserts.insert(0, f'<p class="read-also"><strong>{escape(words["read_also"])} :</strong> '
                          f'<a href="{escape(article_path(also[0]["link"]))}">'
                          f'{escape(also[0]["title"])}</a></p>')
    return ('<div class="article-body">' + "".join(paragraphs[:middle]) + "".join(inserts)
            + "".join(paragraphs[middle:]) + "</div>")


def _related(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Up to four other items from the same feed, for the links around the text."""
    same = [{"link": link, "title": a["title"]} for link, a in _articles().items()
            if a["feed"] == data["feed"] and a["title"] != data["title"]]
    return same[:4]


def _aside(data: dict[str, Any], words: dict[str, Any], related: list[dict[str, Any]]) -> str:
    items = "".join(f'<li><a href="{escape(article_path(r["link"]))}">{escape(r["title"])}</a></li>'
                    for r in related)
    return (f'<aside class="sidebar"><section class="related"><h2>{escape(words["related"])}</h2>'
            f'<ul>{items}</ul></section>{_ad(words, "sidebar")}'
            f'<section class="most-read"><h2>{escape(words["most_read"])}</h2><ol>{items}</ol>'
            "</section></aside>")


def _signup(words: dict[str, Any]) -> str:
    return (f'<section class="newsletter-signup"><h2>{escape(words["signup_title"])}</h2>'
            f'<p>{escape(words["signup_text"])}</p><form action="/newsletter" method="post">'
            f'<input type="email" name="email" placeholder="email@example.org">'
            f'<button type="submit">{escape(words["signup_button"])}</button></form></section>')


def _comments(words: dict[str, Any]) -> str:
    comments = "".join(
        f'<li class="comment"><span class="comment-author">{escape(name)}</span>'
        f'<p class="comment-text">{escape(text)}</p></li>'
        for name, text in zip(words["comment_names"], words["comment_texts"], strict=True))
    return (f'<section class="comments" id="comments"><h2>{escape(words["comments"])} (3)</h2>'
            f'<ol class="comment-list">{comments}</ol><a href="/login">{escape(words["comment_cta"])}'
            "</a></section>")


def _footer(source: str, words: dict[str, Any]) -> str:
    links = "".join(f'<li><a href="/p/{i}">{escape(n)}</a></li>' for i, n in enumerate(words["footer"]))
    return (f'<footer class="site-footer"><ul>{links}</ul><p>© 2026 {escape(source)}. '
            f'{escape(words["rights"])}</p></footer>')
