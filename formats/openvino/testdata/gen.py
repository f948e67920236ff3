"""Writes the crafted OpenVINO IR samples of this directory.

OpenVINO is not packaged in Debian, so these are written by hand after the
IR that OpenVINO's serializer produces (the layout of add_abc.xml, taken
from openvinotoolkit/openvino src/core/tests/models/ir/add_abc.xml at
commit 74959490cbbd8eafd8bf4f52407507f3129f3557). Run with /usr/bin/python3.
"""
import struct


def layer(id, name, typ, version="opset1", data="", inner=""):
    d = "<data %s/>" % data if data else ""
    return '<layer id="%s" name="%s" type="%s" version="%s">%s%s</layer>\n' % (id, name, typ, version, d, inner)


def net(layers, edges, head="", version="11"):
    e = "".join('<edge from-layer="%s" from-port="0" to-layer="%s" to-port="0"/>\n' % x for x in edges)
    return '<?xml version="1.0"?>\n%s<net name="m" version="%s">\n<layers>\n%s</layers>\n<edges>\n%s</edges>\n<rt_info><MO_version value="crafted"/></rt_info>\n</net>\n' % (head, version, "".join(layers), e)


param = layer(0, "x", "Parameter", data='shape="1" element_type="f32"')
const = layer(1, "w", "Const", data='element_type="f32" shape="1" offset="0" size="4"')
add = layer(2, "y", "Add")
result = layer(3, "out", "Result")
edges = [(0, 2), (1, 2), (2, 3)]

files = {
    "const_add.xml": net([param, const, add, result], edges),
    "const_add.bin": struct.pack("<f", 1.0),
    "loop_body.xml": net([param, layer(1, "ti", "TensorIterator", inner="<body><layers>%s%s</layers><edges><edge from-layer=\"0\" from-port=\"0\" to-layer=\"3\" to-port=\"0\"/></edges></body>" % (param, result)), result.replace('id="3"', 'id="2"')], [(0, 1), (1, 2)]),
    "tokenizer_ext.xml": net([param, layer(1, "split", "RegexSplit", "extension"), result.replace('id="3"', 'id="2"')], [(0, 1), (1, 2)]),
    "custom_ext.xml": net([param, layer(1, "evil", "MyNativeOp", "custom_opset"), result.replace('id="3"', 'id="2"')], [(0, 1), (1, 2)]),
    "weights_beyond.xml": net([param, layer(1, "w", "Const", data='element_type="f32" shape="1024" offset="0" size="4096"'), add, result], edges),
    "weights_beyond.bin": struct.pack("<f", 1.0),
    "bad_offset.xml": net([param, layer(1, "w", "Const", data='element_type="f32" shape="1" offset="-8" size="4"'), add, result], edges),
    "doctype.xml": net([param, result.replace('id="3"', 'id="1"')], [(0, 1)], head='<!DOCTYPE net [<!ENTITY e "x">]>\n'),
    "dangling_edge.xml": net([param, result.replace('id="3"', 'id="1"')], [(0, 7)]),
}
for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
