package pickle

// Pickle opcodes, protocols 0 to 5, as CPython's pickle module defines them.
const (
	opMARK            = '('
	opSTOP            = '.'
	opPOP             = '0'
	opPOPMARK         = '1'
	opDUP             = '2'
	opFLOAT           = 'F'
	opINT             = 'I'
	opBININT          = 'J'
	opBININT1         = 'K'
	opLONG            = 'L'
	opBININT2         = 'M'
	opNONE            = 'N'
	opPERSID          = 'P'
	opBINPERSID       = 'Q'
	opREDUCE          = 'R'
	opSTRING          = 'S'
	opBINSTRING       = 'T'
	opSHORTBINSTRING  = 'U'
	opUNICODE         = 'V'
	opBINUNICODE      = 'X'
	opAPPEND          = 'a'
	opBUILD           = 'b'
	opGLOBAL          = 'c'
	opDICT            = 'd'
	opEMPTYDICT       = '}'
	opAPPENDS         = 'e'
	opGET             = 'g'
	opBINGET          = 'h'
	opINST            = 'i'
	opLONGBINGET      = 'j'
	opLIST            = 'l'
	opEMPTYLIST       = ']'
	opOBJ             = 'o'
	opPUT             = 'p'
	opBINPUT          = 'q'
	opLONGBINPUT      = 'r'
	opSETITEM         = 's'
	opTUPLE           = 't'
	opEMPTYTUPLE      = ')'
	opSETITEMS        = 'u'
	opBINFLOAT        = 'G'
	opPROTO           = 0x80
	opNEWOBJ          = 0x81
	opEXT1            = 0x82
	opEXT2            = 0x83
	opEXT4            = 0x84
	opTUPLE1          = 0x85
	opTUPLE2          = 0x86
	opTUPLE3          = 0x87
	opNEWTRUE         = 0x88
	opNEWFALSE        = 0x89
	opLONG1           = 0x8a
	opLONG4           = 0x8b
	opBINBYTES        = 'B'
	opSHORTBINBYTES   = 'C'
	opSHORTBINUNICODE = 0x8c
	opBINUNICODE8     = 0x8d
	opBINBYTES8       = 0x8e
	opEMPTYSET        = 0x8f
	opADDITEMS        = 0x90
	opFROZENSET       = 0x91
	opNEWOBJEX        = 0x92
	opSTACKGLOBAL     = 0x93
	opMEMOIZE         = 0x94
	opFRAME           = 0x95
	opBYTEARRAY8      = 0x96
	opNEXTBUFFER      = 0x97
	opREADONLYBUFFER  = 0x98
)

var opNames = [256]string{
	opMARK: "MARK", opSTOP: "STOP", opPOP: "POP", opPOPMARK: "POP_MARK", opDUP: "DUP", opFLOAT: "FLOAT",
	opINT: "INT", opBININT: "BININT", opBININT1: "BININT1", opLONG: "LONG", opBININT2: "BININT2", opNONE: "NONE",
	opPERSID: "PERSID", opBINPERSID: "BINPERSID", opREDUCE: "REDUCE", opSTRING: "STRING", opBINSTRING: "BINSTRING",
	opSHORTBINSTRING: "SHORT_BINSTRING", opUNICODE: "UNICODE", opBINUNICODE: "BINUNICODE", opAPPEND: "APPEND",
	opBUILD: "BUILD", opGLOBAL: "GLOBAL", opDICT: "DICT", opEMPTYDICT: "EMPTY_DICT", opAPPENDS: "APPENDS",
	opGET: "GET", opBINGET: "BINGET", opINST: "INST", opLONGBINGET: "LONG_BINGET", opLIST: "LIST",
	opEMPTYLIST: "EMPTY_LIST", opOBJ: "OBJ", opPUT: "PUT", opBINPUT: "BINPUT", opLONGBINPUT: "LONG_BINPUT",
	opSETITEM: "SETITEM", opTUPLE: "TUPLE", opEMPTYTUPLE: "EMPTY_TUPLE", opSETITEMS: "SETITEMS",
	opBINFLOAT: "BINFLOAT", opPROTO: "PROTO", opNEWOBJ: "NEWOBJ", opEXT1: "EXT1", opEXT2: "EXT2", opEXT4: "EXT4",
	opTUPLE1: "TUPLE1", opTUPLE2: "TUPLE2", opTUPLE3: "TUPLE3", opNEWTRUE: "NEWTRUE", opNEWFALSE: "NEWFALSE",
	opLONG1: "LONG1", opLONG4: "LONG4", opBINBYTES: "BINBYTES", opSHORTBINBYTES: "SHORT_BINBYTES",
	opSHORTBINUNICODE: "SHORT_BINUNICODE", opBINUNICODE8: "BINUNICODE8", opBINBYTES8: "BINBYTES8",
	opEMPTYSET: "EMPTY_SET", opADDITEMS: "ADDITEMS", opFROZENSET: "FROZENSET", opNEWOBJEX: "NEWOBJ_EX",
	opSTACKGLOBAL: "STACK_GLOBAL", opMEMOIZE: "MEMOIZE", opFRAME: "FRAME", opBYTEARRAY8: "BYTEARRAY8",
	opNEXTBUFFER: "NEXT_BUFFER", opREADONLYBUFFER: "READONLY_BUFFER",
}

func opName(op byte) string {
	if n := opNames[op]; n != "" {
		return n
	}
	return "invalid"
}
