"""Request shapes of readers and of link scanners, for the robot rules (issue 19).

Written by us from what vendors and operators document of these programs (the headers
they send, how they time their requests), not copied from any capture. Each is
(method, headers, client address); 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24
are documentation ranges.
"""

from __future__ import annotations

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

Shape = tuple[str, dict[str, str], str]

# People: a browser opened from a mail client, with the headers browsers always send.
READERS: dict[str, Shape] = {
    "chrome_desktop": ("GET", {
        "User-Agent": CHROME, "Accept": BROWSER_ACCEPT,
        "Accept-Language": "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
        "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none",
        "Upgrade-Insecure-Requests": "1"}, "203.0.113.10"),
    "safari_iphone": ("GET", {
        "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
                      "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 "
                      "Safari/604.1",
        "Accept": BROWSER_ACCEPT, "Accept-Language": "en-GB,en;q=0.9"}, "198.51.100.23"),
    "gmail_app_webview": ("GET", {
        "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 "
                      "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile "
                      "Safari/537.36",
        "Accept": BROWSER_ACCEPT, "Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.8",
        "X-Requested-With": "com.google.android.gm"}, "198.51.100.77"),
    "firefox_linux": ("GET", {
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Accept": BROWSER_ACCEPT, "Accept-Language": "en-US,en;q=0.5"}, "203.0.113.99"),
}

# Robots, each with the rule that catches it whatever the time.
ROBOTS: dict[str, tuple[Shape, str]] = {
    # A gateway checking that the link answers: HEAD, no User-Agent at all.
    "gateway_head": (("HEAD", {}, "192.0.2.14"), "HEAD request"),
    # The same gateway sending GET without a User-Agent.
    "gateway_get_no_agent": (("GET", {"Accept": "*/*"}, "192.0.2.15"), "no User-Agent"),
    # Office apps check a link before handing it to the browser.
    "office_discovery": (("GET", {"User-Agent": "Microsoft Office Existence Discovery",
                                  "Accept": "*/*"}, "192.0.2.40"), "User-Agent has"),
    "barracuda_link_protect": (("GET", {"User-Agent": "Mozilla/5.0 (compatible; "
                                                      "Barracuda Link Protection)",
                                        "Accept": "*/*"}, "192.0.2.41"), "User-Agent has"),
    "slack_unfurl": (("GET", {"User-Agent": "Slackbot-LinkExpanding 1.0 "
                                            "(+https://api.slack.com/robots)",
                              "Accept": "*/*"}, "192.0.2.50"), "User-Agent has"),
    "facebook_preview": (("GET", {"User-Agent": "facebookexternalhit/1.1 "
                                                "(+http://www.facebook.com/externalhit_uatext.php)",
                                  "Accept": "*/*"}, "192.0.2.51"), "User-Agent has"),
    "w3c_link_checker": (("GET", {"User-Agent": "W3C-checklink/5.0.0 libwww-perl/6.77"},
                          "192.0.2.60"), "User-Agent has"),
    "python_script": (("GET", {"User-Agent": "python-requests/2.32.3", "Accept": "*/*",
                               "Accept-Encoding": "gzip, deflate"}, "192.0.2.61"),
                      "User-Agent has"),
    "headless_sandbox": (("GET", {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) "
                                                "AppleWebKit/537.36 (KHTML, like Gecko) "
                                                "HeadlessChrome/131.0.0.0 Safari/537.36",
                                  "Accept": BROWSER_ACCEPT}, "192.0.2.62"), "User-Agent has"),
    # Browsers fetching ahead of a click say so.
    "chrome_prerender": (("GET", {"User-Agent": CHROME, "Accept": BROWSER_ACCEPT,
                                  "Accept-Language": "fr-FR,fr;q=0.9",
                                  "Sec-Purpose": "prefetch;prerender"}, "203.0.113.11"),
                         "prefetch"),
    "firefox_prefetch": (("GET", {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) "
                                                "Gecko/20100101 Firefox/133.0",
                                  "Accept-Language": "en-US,en;q=0.5", "X-Moz": "prefetch"},
                          "203.0.113.12"), "prefetch"),
}

# A security sandbox that opens links in a real browser engine: a browser's User-Agent,
# but none of the Accept-Language a person's browser sends, from the provider's network,
# within a minute of delivery, every link of the message within seconds.
SANDBOX: Shape = ("GET", {"User-Agent": CHROME, "Accept": BROWSER_ACCEPT}, "192.0.2.200")
