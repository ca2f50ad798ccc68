"""Language detection: a document that declares no language gets one detected, or none.

The texts are written here, each a few sentences of the kind the tool's documents hold.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import annotator.extractors as extractors
from annotator.extractors import detect_language, extract

TEXTS = {
    "en": "The Office received credible reports of arbitrary detention in facilities that the "
    "authorities describe as vocational education and training centres. Former detainees "
    "said they were held for months without any legal process.",
    "fr": "Le Haut-Commissariat a reçu des informations crédibles faisant état de détentions "
    "arbitraires dans des établissements que les autorités décrivent comme des centres de "
    "formation professionnelle. D'anciens détenus ont déclaré avoir été retenus pendant des "
    "mois.",
    "es": "La Oficina recibió informes creíbles de detenciones arbitrarias en instalaciones "
    "que las autoridades describen como centros de formación profesional. Antiguos detenidos "
    "dijeron que estuvieron recluidos durante meses sin ningún proceso judicial.",
    "ru": "Управление получило достоверные сообщения о произвольных задержаниях в учреждениях, "
    "которые власти называют центрами профессионального обучения. Бывшие задержанные "
    "рассказали, что их удерживали месяцами без какого-либо судебного разбирательства.",
    "ar": "تلقى المكتب تقارير موثوقة عن الاحتجاز التعسفي في مرافق تصفها السلطات بأنها مراكز "
    "للتعليم والتدريب المهني. وقال محتجزون سابقون إنهم احتُجزوا لعدة أشهر دون أي إجراءات "
    "قانونية أو اتصال بأسرهم.",
    "zh": "办事处收到可信的报告称，在当局称为职业技能教育培训中心的设施中存在任意拘留。"
    "前被拘留者说，他们在没有任何法律程序的情况下被关押了数月，也无法与家人联系。",
    "tr": "Ofis, yetkililerin mesleki eğitim merkezleri olarak tanımladığı tesislerde keyfi "
    "gözaltılara ilişkin güvenilir raporlar aldı. Eski tutuklular, aylarca herhangi bir yasal "
    "süreç olmaksızın tutulduklarını söyledi.",
    "kk": "Басқарма билік кәсіптік білім беру орталықтары деп атайтын мекемелерде ерікті түрде "
    "ұстау туралы сенімді хабарлар алды. Бұрынғы тұтқындар айлар бойы ешқандай сот "
    "процесінсіз ұсталғанын айтты.",
}
# Languages the detector does not know, which it would take for one it does.
UNKNOWN = {
    "Uyghur, Arabic script": "ئىشخانا ھۆكۈمەت كەسپىي تەربىيىلەش مەركەزلىرى دەپ ئاتىۋالغان "
    "ئورۇنلاردا خالىغانچە تۇتۇپ تۇرۇش ھەققىدە ئىشەنچلىك مەلۇماتلارنى تاپشۇرۇۋالدى. بۇرۇنقى "
    "تۇتقۇنلار ئۆزلىرىنىڭ نەچچە ئاي قانۇنسىز تۇتۇپ تۇرۇلغانلىقىنى ئېيتتى.",
    "Uyghur, Latin script": "Ishxana hökümet kespiy terbiyilesh merkezliri dep atiwalghan "
    "orunlarda xalighanche tutup turush heqqide ishenchlik melumatlarni tapshuruwaldi. "
    "Burunqi tutqunlar özlirining nechche ay qanunsiz tutup turulghanliqini éytti.",
    "Uzbek": "Idora hokimiyat kasb-hunar ta'limi markazlari deb ataydigan muassasalarda "
    "o'zboshimchalik bilan hibsga olish haqida ishonchli xabarlar oldi. Sobiq mahbuslar "
    "oylab hech qanday sud jarayonisiz ushlab turilganliklarini aytishdi.",
    "Kyrgyz": "Кеңсе бийлик кесиптик билим берүү борборлору деп атаган мекемелерде өзүм "
    "билемдик менен кармоо тууралуу ишенимдүү маалыматтарды алды. Мурдагы камактагылар айлап "
    "эч кандай сот процессисиз кармалганын айтышты.",
    "Tibetan": "བོད་ཀྱི་མི་དམངས་ཀྱི་ཐོབ་ཐང་དང་རང་དབང་སྐོར་གྱི་སྙན་ཞུ་འདི་ནི་ལོ་ལྟར་སྤེལ་བ་ཡིན། " * 3,
}


@pytest.mark.parametrize(("code", "text"), TEXTS.items(), ids=TEXTS)
def test_the_language_of_a_text_is_detected_with_its_confidence(code, text):
    detected = detect_language(text)

    assert detected is not None
    assert detected["code"] == code
    assert 0.8 <= detected["confidence"] <= 1.0


@pytest.mark.parametrize("text", UNKNOWN.values(), ids=UNKNOWN)
def test_a_language_the_detector_does_not_know_gets_none_rather_than_a_wrong_one(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    ["", "Detention centres.", "12 345 678 — 2019–2022", "A/HRC/51/CRP.3 " * 10],
    ids=["empty", "short", "numbers", "symbols"],
)
def test_too_little_text_gets_none(text):
    assert detect_language(text) is None


def test_a_long_text_is_sampled_over_its_length():
    # An English cover page before a long French text: the samples are mostly French.
    text = TEXTS["en"] + "\n\n" + "\n\n".join([TEXTS["fr"]] * 200)

    detected = detect_language(text)

    assert detected is not None
    assert detected["code"] == "fr"


def test_extract_records_a_detected_language_for_a_document_that_declares_none():
    extraction = extract("report.txt", TEXTS["fr"].encode())

    assert extraction.metadata["language"] == "fr"
    assert extraction.metadata["language_detected"]["code"] == "fr"
    assert extraction.metadata["language_detected"]["confidence"] >= 0.8


def test_a_declared_language_is_kept_and_nothing_detected():
    page = f'<html lang="en-GB"><body><article><p>{TEXTS["fr"]}</p></article></body></html>'

    extraction = extract("report.html", page.encode())

    assert extraction.metadata["language"] == "en-GB"
    assert "language_detected" not in extraction.metadata


def test_extract_records_nothing_for_uyghur():
    extraction = extract("notes.txt", UNKNOWN["Uyghur, Arabic script"].encode())

    assert "language" not in extraction.metadata
    assert "language_detected" not in extraction.metadata


def test_the_detector_is_built_once_and_shared_between_threads():
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(detect_language, [TEXTS["en"], TEXTS["ru"]] * 4))

    assert [r["code"] for r in results if r] == ["en", "ru"] * 4
    assert extractors._language_detector() is extractors._language_detector()
