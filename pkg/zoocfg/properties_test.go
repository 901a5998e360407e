package zoocfg

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []property
	}{
		{"equals", "a=b\n", []property{{"a", "b", 1}}},
		{"colon and blanks", "a : b\n", []property{{"a", "b", 1}}},
		{"blank separator", "a   b c\n", []property{{"a", "b c", 1}}},
		{"leading blanks", "   \t a=b", []property{{"a", "b", 1}}},
		{"value keeps trailing blanks", "a=b  \n", []property{{"a", "b  ", 1}}},
		{"empty value", "a=\nb\n", []property{{"a", "", 1}, {"b", "", 2}}},
		{"comments", "# x=y\n! z=w\n  # indented\nk=v\n", []property{{"k", "v", 4}}},
		{"hash inside value", "k=a#b\n", []property{{"k", "a#b", 1}}},
		{"crlf and cr", "a=1\r\nb=2\rc=3", []property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"continuation", "k=one \\\n    two\nx=y\n", []property{{"k", "one two", 1}, {"x", "y", 3}}},
		{"even backslashes do not continue", "k=a\\\\\nx=y\n", []property{{"k", `a\`, 1}, {"x", "y", 2}}},
		{"continuation on comment is ignored", "# c \\\nk=v\n", []property{{"k", "v", 2}}},
		{"continuation at eof", "k=v\\", []property{{"k", "v", 1}}},
		{"escapes", `k=a\tb\nc\u0041\:\=\\d`, []property{{"k", "a\tb\ncA:=\\d", 1}}},
		{"escaped separator in key", `a\=b\ c=d`, []property{{"a=b c", "d", 1}}},
		{"unknown escape drops backslash", `k=C:\zk\data`, []property{{"k", "C:zkdata", 1}}},
		{"duplicates kept in order", "a=1\na=2\n", []property{{"a", "1", 1}, {"a", "2", 2}}},
		{"utf8", "dataDir=/données\n", []property{{"dataDir", "/données", 1}}},
		{"blank lines", "\n\n  \n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProperties([]byte(tc.in))
			if err != nil {
				t.Fatalf("parseProperties: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	for _, in := range []string{`k=\u12`, `k=\uzzzz`, "k=\xff\xfe"} {
		if _, err := parseProperties([]byte(in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("parseProperties(%q) = %v, want ErrSyntax", in, err)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", " lead", "a b", `back\slash`, "new\nline", "tab\t", "=:#!", "#x", "!x", "ü", ""} {
		line := escapeKey(s) + "=" + escapeValue(s) + "\n"
		got, err := parseProperties([]byte(line))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if s == "" {
			// An empty key and value is an empty line: nothing to read back.
			continue
		}
		if len(got) != 1 || got[0].Key != s || got[0].Value != s {
			t.Errorf("escape(%q) = %q read back as %+v", s, line, got)
		}
	}
}
