"""UIMA CAS XMI read through dkpro-cassis, with files written by hand from the UIMA XMI format:
offsets in UTF-16 units in the file, code points once read."""

from __future__ import annotations

from annotator.formats.xmi import read_xmi

TYPESYSTEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<typeSystemDescription xmlns="http://uima.apache.org/resourceSpecifier">
  <types>
    <typeDescription>
      <name>de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity</name>
      <supertypeName>uima.tcas.Annotation</supertypeName>
      <features>
        <featureDescription><name>value</name><rangeTypeName>uima.cas.String</rangeTypeName></featureDescription>
        <featureDescription><name>identifier</name><rangeTypeName>uima.cas.String</rangeTypeName></featureDescription>
      </features>
    </typeDescription>
    <typeDescription>
      <name>webanno.custom.Violation</name>
      <supertypeName>uima.tcas.Annotation</supertypeName>
      <features>
        <featureDescription><name>label</name><rangeTypeName>uima.cas.String</rangeTypeName></featureDescription>
        <featureDescription><name>certainty</name><rangeTypeName>uima.cas.String</rangeTypeName></featureDescription>
      </features>
    </typeDescription>
    <typeDescription>
      <name>webanno.custom.Link</name>
      <supertypeName>uima.tcas.Annotation</supertypeName>
      <features>
        <featureDescription><name>Governor</name><rangeTypeName>webanno.custom.Violation</rangeTypeName></featureDescription>
        <featureDescription><name>Dependent</name><rangeTypeName>de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity</rangeTypeName></featureDescription>
        <featureDescription><name>role</name><rangeTypeName>uima.cas.String</rangeTypeName></featureDescription>
      </features>
    </typeDescription>
    <typeDescription>
      <name>de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token</name>
      <supertypeName>uima.tcas.Annotation</supertypeName>
    </typeDescription>
  </types>
</typeSystemDescription>
"""

# "😊 Police detained Tursun 𠀋 in لاگېرغا." In UTF-16 units, as Java counts: 😊 is 0-2,
# "detained" 10-18, "Tursun 𠀋" 19-28, "لاگېرغا" 32-39. In code points: 9-17, 18-26, 30-37.
TEXT = "😊 Police detained Tursun 𠀋 in لاگېرغا."
XMI = f"""<?xml version="1.0" encoding="UTF-8"?>
<xmi:XMI xmlns:xmi="http://www.omg.org/XMI" xmlns:cas="http:///uima/cas.ecore"
  xmlns:tcas="http:///uima/tcas.ecore" xmlns:type="http:///de/tudarmstadt/ukp/dkpro/core/api/ner/type.ecore"
  xmlns:seg="http:///de/tudarmstadt/ukp/dkpro/core/api/segmentation/type.ecore"
  xmlns:custom="http:///webanno/custom.ecore" xmi:version="2.0">
  <cas:NULL xmi:id="0"/>
  <tcas:DocumentAnnotation xmi:id="8" sofa="1" begin="0" end="40" language="en"/>
  <seg:Token xmi:id="9" sofa="1" begin="3" end="9"/>
  <custom:Violation xmi:id="10" sofa="1" begin="10" end="18" label="detention"
    certainty="confirmed"/>
  <custom:Violation xmi:id="13" sofa="1" begin="3" end="28" label="detention"/>
  <type:NamedEntity xmi:id="11" sofa="1" begin="19" end="28" value="PER"/>
  <type:NamedEntity xmi:id="14" sofa="1" begin="32" end="39" value="LOC"/>
  <custom:Link xmi:id="12" sofa="1" begin="19" end="28" Governor="10" Dependent="11" role="victim"/>
  <cas:Sofa xmi:id="1" sofaNum="1" sofaID="_InitialView" mimeType="text" sofaString="{TEXT}"/>
  <cas:View sofa="1" members="8 9 10 11 12 13 14"/>
</xmi:XMI>
""".encode()


def test_utf16_offsets_in_the_file_become_code_points_with_an_emoji_before_them():
    line = read_xmi(XMI, TYPESYSTEM, name="doc.xmi")
    assert line.error == ""
    assert line.text == TEXT
    assert [(s.start, s.end, s.category, s.quote) for s in line.spans] == [
        (2, 26, "detention", "Police detained Tursun 𠀋"),
        (9, 17, "detention", "detained"),
        (18, 26, "PER", "Tursun 𠀋"),
        (30, 37, "LOC", "لاگېرغا"),
    ]
    for span in line.spans:
        assert TEXT[span.start : span.end] == span.quote
    assert line.offset_unit == "utf-16"
    assert line.metadata == {"language": "en"}


def test_features_layers_and_relations_come_with_the_spans():
    spans = {span.quote: span for span in read_xmi(XMI, TYPESYSTEM, name="doc.xmi").spans}
    detained = spans["detained"]
    assert detained.attributes["layer_type"] == "webanno.custom.Violation"
    assert detained.attributes["certainty"] == "confirmed"
    link = {"layer_type": "webanno.custom.Link", "governor": 10, "dependent": 11, "role": "victim"}
    assert detained.attributes["relations"] == [link]
    assert spans["Tursun 𠀋"].attributes["relations"] == [link]
    assert "Token" not in str([s.attributes for s in spans.values()]), "tokens are not spans"


def test_unsafe_or_broken_xml_is_refused_unread():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert "declares a DOCTYPE or an entity" in read_xmi(bomb, TYPESYSTEM, name="b.xmi").error
    secret = XMI.replace(
        b"<xmi:XMI", b'<!DOCTYPE x [<!ENTITY s SYSTEM "file:///etc/passwd">]><xmi:XMI', 1
    )
    assert "refused unread" in read_xmi(secret, TYPESYSTEM, name="s.xmi").error
    assert "TypeSystem.xml declares" in read_xmi(XMI, bomb, name="doc.xmi").error
    assert "is not a UIMA CAS XMI file" in read_xmi(b"<x>", TYPESYSTEM, name="n.xmi").error
    assert "not a UIMA type system" in read_xmi(XMI, b"not xml", name="doc.xmi").error
