package inventory

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxLine caps a text opcode's argument (GLOBAL, INT, STRING...).
const maxLine = 64 << 10

// fixedArgs are the opcodes with an argument of a fixed size.
var fixedArgs = map[byte]int{
	'K': 1, 'q': 1, 'h': 1, 0x80: 1, 0x82: 1,
	'M': 2, 0x83: 2,
	'J': 4, 'r': 4, 'j': 4, 0x84: 4,
	'G': 8,
}

// lengthArgs are the opcodes whose argument is a length of that many
// little-endian bytes followed by the data.
var lengthArgs = map[byte]int{
	'U': 1, 'C': 1, 0x8c: 1, 0x8a: 1,
	'T': 4, 'B': 4, 'X': 4, 0x8b: 4,
	0x8d: 8, 0x8e: 8, 0x96: 8,
}

// lineArgs are the opcodes with newline-terminated arguments, and how many.
var lineArgs = map[byte]int{'I': 1, 'L': 1, 'F': 1, 'S': 1, 'V': 1, 'P': 1, 'g': 1, 'p': 1, 'c': 2, 'i': 2}

// noArgs are the remaining opcodes of protocols 0 to 5.
const noArgs = "()]}.012N\x88\x89aebdsutloRQ\x81\x92\x93\x94\x85\x86\x87\x90\x91\x97\x98"

// pickleEnd walks the opcodes of the pickle at the start of data and
// returns the offset just past its STOP. gopickle allocates whatever a
// length opcode or FRAME asks for before reading, so every length is
// checked against the bytes that are there before gopickle sees them.
func pickleEnd(data []byte) (int, error) {
	pos := 0
	for pos < len(data) {
		op := data[pos]
		pos++
		switch {
		case op == '.':
			return pos, nil
		case op == 0x95: // FRAME: its length must fit, its opcodes follow
			if len(data)-pos < 8 {
				return 0, fmt.Errorf("FRAME at %d: truncated", pos-1)
			}
			if n := binary.LittleEndian.Uint64(data[pos:]); n > uint64(len(data)-pos-8) {
				return 0, fmt.Errorf("FRAME at %d of %d bytes runs past the pickle", pos-1, n)
			}
			pos += 8
		case fixedArgs[op] > 0:
			pos += fixedArgs[op]
		case lengthArgs[op] > 0:
			w := lengthArgs[op]
			if len(data)-pos < w {
				return 0, fmt.Errorf("opcode 0x%02x at %d: truncated", op, pos-1)
			}
			var b [8]byte
			copy(b[:], data[pos:pos+w])
			n := binary.LittleEndian.Uint64(b[:])
			pos += w
			if n > uint64(len(data)-pos) {
				return 0, fmt.Errorf("opcode 0x%02x at %d: %d bytes run past the pickle", op, pos-1-w, n)
			}
			pos += int(n)
		case lineArgs[op] > 0:
			for range lineArgs[op] {
				i := bytes.IndexByte(data[pos:min(len(data), pos+maxLine)], '\n')
				if i < 0 {
					return 0, fmt.Errorf("opcode %q at %d: no newline within %d bytes", op, pos-1, maxLine)
				}
				pos += i + 1
			}
		case bytes.IndexByte([]byte(noArgs), op) >= 0:
		default:
			return 0, fmt.Errorf("unknown opcode 0x%02x at %d", op, pos-1)
		}
	}
	return 0, fmt.Errorf("pickle has no STOP")
}
