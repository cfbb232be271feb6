using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

internal enum TokenKind
{
    EndOfInput,
    Keyword,
    DotKey,
    String,
    Hash,
    HexConstant,
    Integer,
    PathName,
    Date,
    Arrow,
    Semicolon,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Less,
    Greater,
    LessEqual,
    GreaterEqual,
    Comma,
    Equal,
    EqualEqual,
    Tilde,
    Minus,
    Not,
    Star,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Keyword && Text == keyword;

    public string Describe() => Kind switch
    {
        TokenKind.EndOfInput => "end of input",
        TokenKind.String => $"string \"{Text}\"",
        TokenKind.Hash => $"hash H\"{Text}\"",
        TokenKind.HexConstant => $"0x{Text}",
        TokenKind.Date => $"<{Text}>",
        _ => $"'{Text}'",
    };
}

/// <summary>
/// Tokenizer for the requirement language, following the lexer part of Security's requirements.grammar: DOTKEY
/// (<c>IDENT ("." (IDENT|INTEGER))*</c>, which doubles as keyword when it spells one), quoted strings with
/// <c>\"</c>, <c>H"hex"</c>, <c>0xhex</c>, integers, <c>/path/names</c>, operators, and <c>#</c>, <c>//</c> and
/// <c>/* */</c> comments. Two additions so that reqdumper.cpp output reads back: <c>\\</c> inside strings (the dumper
/// writes it) and the dumper's <c>&lt;2019-04-08 00:00:00 +0000&gt;</c> date form.
/// </summary>
internal sealed class RequirementLexer
{
    private readonly string _text;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public RequirementLexer(string text) => _text = text;

    private char Peek(int ahead = 0) => _position + ahead < _text.Length ? _text[_position + ahead] : '\0';

    private bool AtEnd(int ahead = 0) => _position + ahead >= _text.Length;

    private int Column => _position - _lineStart + 1;

    private void Advance()
    {
        if (_text[_position] == '\n')
        {
            _line++;
            _lineStart = _position + 1;
        }

        _position++;
    }

    private RequirementSyntaxException Error(string expected, int line, int column, string found) =>
        new(line, column, expected, found);

    /// <summary>The next token; <see cref="TokenKind.EndOfInput"/> repeatedly once the text is used up.</summary>
    public Token Next()
    {
        SkipTrivia();
        var line = _line;
        var column = Column;
        if (AtEnd())
        {
            return new Token(TokenKind.EndOfInput, string.Empty, line, column);
        }

        var c = Peek();
        if (c == 'H' && Peek(1) == '"')
        {
            Advance();
            Advance();
            var hex = ReadHexDigits();
            if (hex.Length == 0 || Peek() != '"')
            {
                throw Error("hexadecimal digits and a closing '\"' in H\"…\"", _line, Column, DescribeChar());
            }

            Advance();
            return new Token(TokenKind.Hash, hex, line, column);
        }

        if (c == '0' && Peek(1) == 'x')
        {
            Advance();
            Advance();
            var hex = ReadHexDigits();
            if (hex.Length == 0)
            {
                throw Error("hexadecimal digits after '0x'", _line, Column, DescribeChar());
            }

            return new Token(TokenKind.HexConstant, hex, line, column);
        }

        if (char.IsAsciiDigit(c))
        {
            return new Token(TokenKind.Integer, ReadWhile(char.IsAsciiDigit), line, column);
        }

        if (char.IsAsciiLetter(c))
        {
            var key = ReadDotKey();
            var kind = RequirementTextWriter.Keywords.Contains(key) ? TokenKind.Keyword : TokenKind.DotKey;
            return new Token(kind, key, line, column);
        }

        if (c == '"')
        {
            return new Token(TokenKind.String, ReadString(line, column), line, column);
        }

        if (c == '/' && char.IsAsciiLetter(Peek(1)))
        {
            return ReadPath(line, column);
        }

        if (c == '<' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) == '-' && char.IsAsciiDigit(Peek(2)))))
        {
            Advance();
            var start = _position;
            while (!AtEnd() && Peek() != '>' && Peek() != '\n')
            {
                Advance();
            }

            if (Peek() != '>')
            {
                throw Error("'>' closing a <date>", _line, Column, DescribeChar());
            }

            var body = _text[start.._position];
            Advance();
            return new Token(TokenKind.Date, body, line, column);
        }

        (TokenKind Kind, string Text)? op = c switch
        {
            '=' when Peek(1) == '>' => (TokenKind.Arrow, "=>"),
            '=' when Peek(1) == '=' => (TokenKind.EqualEqual, "=="),
            '=' => (TokenKind.Equal, "="),
            '<' when Peek(1) == '=' => (TokenKind.LessEqual, "<="),
            '<' => (TokenKind.Less, "<"),
            '>' when Peek(1) == '=' => (TokenKind.GreaterEqual, ">="),
            '>' => (TokenKind.Greater, ">"),
            ';' => (TokenKind.Semicolon, ";"),
            '(' => (TokenKind.LeftParen, "("),
            ')' => (TokenKind.RightParen, ")"),
            '[' => (TokenKind.LeftBracket, "["),
            ']' => (TokenKind.RightBracket, "]"),
            ',' => (TokenKind.Comma, ","),
            '~' => (TokenKind.Tilde, "~"),
            '-' => (TokenKind.Minus, "-"),
            '!' => (TokenKind.Not, "!"),
            '*' => (TokenKind.Star, "*"),
            _ => null,
        };
        if (op is null)
        {
            throw Error("a requirement token", line, column, DescribeChar());
        }

        for (var i = 0; i < op.Value.Text.Length; i++)
        {
            Advance();
        }

        return new Token(op.Value.Kind, op.Value.Text, line, column);
    }

    private string DescribeChar() => AtEnd() ? "end of input" : $"'{Peek()}'";

    private void SkipTrivia()
    {
        while (!AtEnd())
        {
            var c = Peek();
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                Advance();
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (!AtEnd() && Peek() != '\n')
                {
                    Advance();
                }
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var line = _line;
                var column = Column;
                Advance();
                Advance();
                while (!(Peek() == '*' && Peek(1) == '/'))
                {
                    if (AtEnd())
                    {
                        throw Error("'*/' closing the comment opened at " + line + ":" + column, _line, Column, "end of input");
                    }

                    Advance();
                }

                Advance();
                Advance();
            }
            else
            {
                return;
            }
        }
    }

    private string ReadWhile(Func<char, bool> predicate)
    {
        var start = _position;
        while (!AtEnd() && predicate(Peek()))
        {
            Advance();
        }

        return _text[start.._position];
    }

    private string ReadHexDigits() => ReadWhile(char.IsAsciiHexDigit);

    private string ReadDotKey()
    {
        var start = _position;
        ReadWhile(char.IsAsciiLetterOrDigit);
        while (Peek() == '.' && char.IsAsciiLetterOrDigit(Peek(1)))
        {
            Advance();
            if (char.IsAsciiLetter(Peek()))
            {
                ReadWhile(char.IsAsciiLetterOrDigit);
            }
            else
            {
                ReadWhile(char.IsAsciiDigit);
            }
        }

        return _text[start.._position];
    }

    private string ReadString(int line, int column)
    {
        Advance(); // opening quote
        var builder = new StringBuilder();
        while (true)
        {
            if (AtEnd())
            {
                throw Error("'\"' closing the string opened at " + line + ":" + column, _line, Column, "end of input");
            }

            var c = Peek();
            if (c == '"')
            {
                Advance();
                return builder.ToString();
            }

            if (c == '\\')
            {
                var next = Peek(1);
                if (next is not ('"' or '\\'))
                {
                    Advance();
                    throw Error("'\"' or '\\' after '\\' in a string", _line, Column, DescribeChar());
                }

                Advance();
                builder.Append(next);
                Advance();
                continue;
            }

            builder.Append(c);
            Advance();
        }
    }

    private Token ReadPath(int line, int column)
    {
        var start = _position;
        var parts = 0;
        while (Peek() == '/' && char.IsAsciiLetter(Peek(1)))
        {
            Advance();
            ReadWhile(char.IsAsciiLetterOrDigit);
            parts++;
        }

        if (parts < 2)
        {
            throw Error("a path name with at least two components", line, column, $"'{_text[start.._position]}'");
        }

        return new Token(TokenKind.PathName, _text[start.._position], line, column);
    }
}
