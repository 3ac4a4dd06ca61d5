"""Strings a hostile or careless user may put into a project: every output must show them
as the same literal text (web map, plates, Excel, the window's widgets).

``HOSTILE`` is the corpus; :func:`texts` is a hypothesis strategy drawing from the corpus
and from arbitrary text. Template payloads that would run a command try to create a file
named :data:`PWNED` in the working directory: a test that renders them runs in a fresh
folder and checks it is still missing.
"""

from __future__ import annotations

from hypothesis import strategies as st

PWNED = "PWNED"
# what the browser payloads set document.title to, if they ever run
HIJACKED_TITLE = "HIJACKED"

TEMPLATES = (
    "{{ 7*191 }}",
    "{% for x in range(3) %}x{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ self.__init__.__globals__.__builtins__.open('PWNED', 'w').write('x') }}",
    "{# comment #}{{ '<img src=x onerror=\"document.title=\\'HIJACKED\\'\">' }}",
    "{{ '<scr' ~ 'ipt>document.title=\"HIJACKED\"</scr' ~ 'ipt>' }}",
    "${7*191} #{7*191} <%= 7*191 %>",
)
MARKUP = (
    "<script>document.title='HIJACKED'</script>",
    "<img src=x onerror=\"document.title='HIJACKED'\">",
    "<svg onload=\"document.title='HIJACKED'\"></svg>",
    "</script><script>document.title='HIJACKED'</script>",
    "<!--<script>document.title='HIJACKED'</script>-->",
    '"><img src=x onerror=document.title=`HIJACKED`>',
    "javascript:document.title='HIJACKED'",
    "&lt;b&gt;entity&lt;/b&gt; &amp; &#60;x&#62;",
    "<b>bold</b> <i>italic</i> <a href='file:///etc/passwd'>link</a>",
    "<p style='color:red'>red</p><br>line",
    "<style>body{display:none}</style>",
)
SPREADSHEET = (
    "=1+1",
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    '=HYPERLINK("http://example.invalid","click")',
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "_x0041_ and _x005F_",
)
UNICODE = (
    "\u202eevil.exe\u202c gpj.txt",
    "שלום עולם مرحبا",
    "zero\u200bwidth\u200c\u200djoin\ufeffbom",
    "👩‍👩‍👧 🇨🇳 🚧",
    "海门区三厂街道（示意）",
    "quotes \" ' ` and backslashes \\ \\\\ \\n \\u003c",
    "line one\nline two\r\nline three",
    "tab\there",
    "&amp; & && &",
    "[*] title marker",
    "长" * 3000,
    "x" * 10_000,
)
HOSTILE: tuple[str, ...] = TEMPLATES + MARKUP + SPREADSHEET + UNICODE


def texts(
    *, max_size: int = 60, alphabet: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[str]:
    """Return a strategy of corpus strings and arbitrary text (any character but surrogates)."""
    chars = alphabet or st.characters(blacklist_categories=("Cs",))
    return st.one_of(st.sampled_from(HOSTILE), st.text(chars, min_size=1, max_size=max_size))
