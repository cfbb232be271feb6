using System.Globalization;
using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Parses Apple's code requirement language (Security <c>requirements.grammar</c>) into requirement trees.
/// Precedence: <c>!</c> binds tightest, then <c>and</c>, then <c>or</c>; chains are left-nested, exactly as the
/// grammar's <c>Maker::insert</c> at the chain label builds them. Errors are <see cref="RequirementSyntaxException"/>
/// with line, column and what was expected.
/// </summary>
public static class RequirementParser
{
    /// <summary>Parses one requirement (an expression, optionally followed by <c>;</c>).</summary>
    public static RequirementExpression ParseExpression(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var expression = parser.RequirementElement();
        parser.ExpectEnd("'and', 'or', ';' or end of input");
        return expression;
    }

    /// <summary>Parses a requirements set: one or more <c>type =&gt; requirement</c> entries, sorted by type as Apple's encoder does.</summary>
    public static RequirementSet ParseSet(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text).RequirementSet();
    }

    /// <summary>
    /// The grammar's <c>autosense</c> rule: a set when the text starts with a requirement type and <c>=&gt;</c>,
    /// otherwise a single requirement. Returns either a <see cref="Requirement"/> or a <see cref="RequirementSet"/>.
    /// </summary>
    public static object ParseAny(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        if (parser.StartsWithRequirementType())
        {
            return parser.RequirementSet();
        }

        var expression = parser.RequirementElement();
        parser.ExpectEnd("'and', 'or', ';' or end of input");
        return new Requirement(expression);
    }

    /// <summary>Non-throwing form of <see cref="ParseExpression"/>.</summary>
    public static bool TryParseExpression(string text, out RequirementExpression? expression, out RequirementSyntaxException? error)
    {
        try
        {
            expression = ParseExpression(text);
            error = null;
            return true;
        }
        catch (RequirementSyntaxException ex)
        {
            expression = null;
            error = ex;
            return false;
        }
    }

    private sealed class Parser
    {
        // Tokens are pulled on demand so that an error is reported at the first bad position, whether it is
        // lexical or grammatical.
        private readonly RequirementLexer _lexer;
        private readonly List<Token> _tokens = [];
        private int _index;

        public Parser(string text) => _lexer = new RequirementLexer(text);

        private Token Current => Lookahead(0);

        private Token Lookahead(int n)
        {
            while (_tokens.Count <= _index + n)
            {
                if (_tokens.Count > 0 && _tokens[^1].Kind == TokenKind.EndOfInput)
                {
                    return _tokens[^1];
                }

                _tokens.Add(_lexer.Next());
            }

            return _tokens[_index + n];
        }

        private Token Take()
        {
            var token = Current;
            if (token.Kind != TokenKind.EndOfInput)
            {
                _index++;
            }

            return token;
        }

        private RequirementSyntaxException Error(string expected, Token? at = null)
        {
            var token = at ?? Current;
            return new RequirementSyntaxException(token.Line, token.Column, expected, token.Describe());
        }

        public void ExpectEnd(string expected)
        {
            if (Current.Kind != TokenKind.EndOfInput)
            {
                throw Error(expected);
            }
        }

        public bool StartsWithRequirementType() =>
            (IsRequirementTypeKeyword(Current) || Current.Kind == TokenKind.Integer) && Lookahead(1).Kind == TokenKind.Arrow;

        private static bool IsRequirementTypeKeyword(Token token) =>
            token.Kind == TokenKind.Keyword && token.Text is "host" or "guest" or "designated" or "library" or "plugin";

        public RequirementSet RequirementSet()
        {
            var entries = new SortedDictionary<uint, RequirementSetEntry>();
            do
            {
                var typeToken = Current;
                var type = RequirementTypeValue();
                if (Current.Kind != TokenKind.Arrow)
                {
                    throw Error("'=>' after the requirement type");
                }

                Take();
                var expression = RequirementElement();
                if (!entries.TryAdd(type, new RequirementSetEntry(type, new Requirement(expression))))
                {
                    throw Error("each requirement type at most once", typeToken);
                }
            }
            while (Current.Kind != TokenKind.EndOfInput);

            return new RequirementSet(entries.Values.ToList());
        }

        private uint RequirementTypeValue()
        {
            var token = Current;
            if (token.Kind == TokenKind.Integer)
            {
                return unchecked((uint)Integer());
            }

            if (IsRequirementTypeKeyword(token))
            {
                Take();
                return token.Text switch
                {
                    "host" => (uint)RequirementType.Host,
                    "guest" => (uint)RequirementType.Guest,
                    "designated" => (uint)RequirementType.Designated,
                    "library" => (uint)RequirementType.Library,
                    _ => (uint)RequirementType.Plugin,
                };
            }

            throw Error("a requirement type (host, guest, designated, library, plugin or a number)");
        }

        public RequirementExpression RequirementElement()
        {
            var (expression, _) = Expr(0);
            while (Current.Kind == TokenKind.Semicolon)
            {
                Take();
            }

            return expression;
        }

        private (RequirementExpression Expression, int Depth) Expr(int nesting)
        {
            var (left, depth) = Term(nesting);
            while (Current.IsKeyword("or"))
            {
                var op = Take();
                var (right, rightDepth) = Term(nesting);
                depth = CheckDepth(Math.Max(depth, rightDepth) + 1, op);
                left = new OrExpression(left, right);
            }

            return (left, depth);
        }

        private (RequirementExpression Expression, int Depth) Term(int nesting)
        {
            var (left, depth) = Primary(nesting);
            while (Current.IsKeyword("and"))
            {
                var op = Take();
                var (right, rightDepth) = Primary(nesting);
                depth = CheckDepth(Math.Max(depth, rightDepth) + 1, op);
                left = new AndExpression(left, right);
            }

            return (left, depth);
        }

        private static int CheckDepth(int depth, Token at)
        {
            // Deeper programs are beyond Apple's interpreter (reqinterp.h stackLimit) and our decoder's limit.
            if (depth > RequirementDecoder.MaxDepth)
            {
                throw new RequirementSyntaxException(at.Line, at.Column, $"an expression nested at most {RequirementDecoder.MaxDepth} deep", at.Describe());
            }

            return depth;
        }

        private (RequirementExpression Expression, int Depth) Primary(int nesting)
        {
            var token = Current;
            CheckDepth(nesting + 1, token);
            switch (token.Kind)
            {
                case TokenKind.LeftParen:
                {
                    Take();
                    if (Current.Kind is TokenKind.DotKey or TokenKind.String)
                    {
                        // "(" name ")" is named code: an expression can never start with a bare key or string.
                        var name = Take();
                        ExpectRightParen(token);
                        return (new NamedCodeExpression(RequirementData.FromString(name.Text)), 1);
                    }

                    var (inner, depth) = Expr(nesting + 1);
                    ExpectRightParen(token);
                    return (inner, depth);
                }

                case TokenKind.Not:
                {
                    Take();
                    var (operand, depth) = Primary(nesting + 1);
                    return (new NotExpression(operand), CheckDepth(depth + 1, token));
                }

                case TokenKind.Keyword:
                    return (Keyword(token), 1);
                default:
                    throw Error("a requirement clause (identifier, anchor, certificate, info, entitlement, cdhash, platform, notarized, always, never, '(' or '!')");
            }
        }

        private void ExpectRightParen(Token open)
        {
            if (Current.Kind != TokenKind.RightParen)
            {
                throw Error($"')' closing the '(' at {open.Line}:{open.Column}");
            }

            Take();
        }

        private RequirementExpression Keyword(Token token)
        {
            switch (token.Text)
            {
                case "always" or "true":
                    Take();
                    return new ConstantExpression(true);
                case "never" or "false":
                    Take();
                    return new ConstantExpression(false);
                case "identifier":
                    Take();
                    OptionalEquals();
                    return new IdentifierExpression(RequirementData.FromString(IdentifierString("an identifier string after 'identifier'")));
                case "cdhash":
                    Take();
                    OptionalEquals();
                    return new CdHashExpression(Sha1Hash("H\"40 hex digits\" after 'cdhash'"));
                case "platform":
                    Take();
                    OptionalEquals();
                    return new PlatformExpression(Integer());
                case "notarized":
                    Take();
                    return new NotarizedExpression();
                case "legacy":
                    Take();
                    return new LegacyDeveloperIdExpression();
                case "info":
                {
                    Take();
                    var key = BracketKey();
                    return new InfoExpression(RequirementData.FromString(key), MatchSuffix());
                }

                case "entitlement":
                {
                    Take();
                    var key = BracketKey();
                    return new EntitlementExpression(RequirementData.FromString(key), MatchSuffix());
                }

                case "anchor":
                    return Anchor();
                case "certificate" or "cert":
                {
                    Take();
                    if (Current.IsKeyword("trusted"))
                    {
                        Take();
                        return new TrustedCertificatesExpression();
                    }

                    var slot = CertSlot();
                    if (Current.IsKeyword("trusted"))
                    {
                        Take();
                        return new TrustedCertificateExpression(slot);
                    }

                    return CertSlotSpec(slot);
                }

                default:
                    throw Error("a requirement clause (identifier, anchor, certificate, info, entitlement, cdhash, platform, notarized, always, never, '(' or '!')");
            }
        }

        private RequirementExpression Anchor()
        {
            Take();
            if (Current.IsKeyword("apple"))
            {
                Take();
                if (Current.IsKeyword("generic"))
                {
                    Take();
                    return new AppleGenericAnchorExpression();
                }

                if (Current.Kind is TokenKind.DotKey or TokenKind.String)
                {
                    return new NamedAnchorExpression(RequirementData.FromString(Take().Text));
                }

                return new AppleAnchorExpression();
            }

            if (Current.IsKeyword("generic"))
            {
                Take();
                if (!Current.IsKeyword("apple"))
                {
                    throw Error("'apple' after 'anchor generic'");
                }

                Take();
                return new AppleGenericAnchorExpression();
            }

            if (Current.IsKeyword("trusted"))
            {
                Take();
                return new TrustedCertificatesExpression();
            }

            if (Current.Kind is TokenKind.LeftBracket or TokenKind.Equal or TokenKind.EqualEqual or TokenKind.Hash
                or TokenKind.PathName or TokenKind.DotKey or TokenKind.String)
            {
                return CertSlotSpec(CertificateSlot.Root);
            }

            throw Error("'apple', 'generic', 'trusted', '=', H\"…\" or '[' after 'anchor'");
        }

        private int CertSlot()
        {
            var token = Current;
            if (token.Kind == TokenKind.Integer)
            {
                return Integer();
            }

            if (token.Kind == TokenKind.Minus)
            {
                Take();
                if (Current.Kind != TokenKind.Integer)
                {
                    throw Error("a number after '-' in a certificate position");
                }

                return unchecked(-Integer());
            }

            if (token.IsKeyword("leaf"))
            {
                Take();
                return CertificateSlot.Leaf;
            }

            if (token.IsKeyword("root"))
            {
                Take();
                return CertificateSlot.Root;
            }

            throw Error("a certificate position (leaf, root, N or -N) or 'trusted'");
        }

        private RequirementExpression CertSlotSpec(int slot)
        {
            if (Current.Kind == TokenKind.LeftBracket)
            {
                var keyToken = Lookahead(1);
                var key = BracketKey();
                var (kind, keyData) = CertificateKey(key, keyToken);
                return new CertificateFieldExpression(kind, slot, keyData, MatchSuffix());
            }

            OptionalEquals();
            if (Current.Kind is TokenKind.PathName or TokenKind.DotKey or TokenKind.String)
            {
                // requirements.grammar loads and hashes the certificate file; a pure parser has no file system.
                throw Error("H\"40 hex digits\" (certificate files are not supported here; give the SHA-1 of the certificate)");
            }

            return new CertificateHashExpression(slot, Sha1Hash("H\"40 hex digits\" or '[' after the certificate position"));
        }

        // requirements.grammar certMatchOperation: the key prefix selects the opcode.
        private (CertificateFieldKind Kind, RequirementData Key) CertificateKey(string key, Token at)
        {
            if (key.StartsWith("subject.", StringComparison.Ordinal))
            {
                return (CertificateFieldKind.Subject, RequirementData.FromString(key));
            }

            (string Prefix, CertificateFieldKind Kind)[] prefixes =
            [
                ("timestamp.", CertificateFieldKind.Date),
                ("field.", CertificateFieldKind.Extension),
                ("extension.", CertificateFieldKind.Extension),
                ("policy.", CertificateFieldKind.Policy),
            ];
            foreach (var (prefix, kind) in prefixes)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var oid = key[prefix.Length..];
                    if (oid.StartsWith("0x", StringComparison.Ordinal) && TryHex(oid[2..], out var raw) && raw.Length > 0)
                    {
                        return (kind, new RequirementData(raw)); // the writer's form for non-minimal OID bytes
                    }

                    if (!RequirementOid.TryFromDotted(oid, out var content))
                    {
                        throw new RequirementSyntaxException(at.Line, at.Column, $"a dotted OID after '{prefix}'", at.Describe());
                    }

                    return (kind, new RequirementData(content));
                }
            }

            throw new RequirementSyntaxException(at.Line, at.Column, "a certificate field key (subject.*, field.OID, extension.OID, policy.OID or timestamp.OID)", at.Describe());
        }

        private RequirementMatch MatchSuffix()
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Keyword when token.Text == "exists":
                    Take();
                    return RequirementMatch.Exists;
                case TokenKind.Keyword when token.Text == "absent":
                    Take();
                    return RequirementMatch.Absent;
                case TokenKind.Equal or TokenKind.EqualEqual:
                {
                    Take();
                    if (IsTimestampStart())
                    {
                        return new RequirementMatch(MatchOperation.On, Timestamp: Timestamp());
                    }

                    var op = MatchOperation.Equal;
                    if (Current.Kind == TokenKind.Star)
                    {
                        Take();
                        op = MatchOperation.EndsWith;
                    }

                    var value = DataValue("a value (key, \"string\" or 0xhex) after '='");
                    if (Current.Kind == TokenKind.Star)
                    {
                        Take();
                        op = op == MatchOperation.EndsWith ? MatchOperation.Contains : MatchOperation.BeginsWith;
                    }

                    return new RequirementMatch(op, value);
                }

                case TokenKind.Tilde:
                    Take();
                    return new RequirementMatch(MatchOperation.Contains, DataValue("a value after '~'"));
                case TokenKind.Less or TokenKind.Greater or TokenKind.LessEqual or TokenKind.GreaterEqual:
                {
                    Take();
                    if (IsTimestampStart())
                    {
                        var dateOp = token.Kind switch
                        {
                            TokenKind.Less => MatchOperation.Before,
                            TokenKind.Greater => MatchOperation.After,
                            TokenKind.LessEqual => MatchOperation.OnOrBefore,
                            _ => MatchOperation.OnOrAfter,
                        };
                        return new RequirementMatch(dateOp, Timestamp: Timestamp());
                    }

                    var valueOp = token.Kind switch
                    {
                        TokenKind.Less => MatchOperation.LessThan,
                        TokenKind.Greater => MatchOperation.GreaterThan,
                        TokenKind.LessEqual => MatchOperation.LessEqual,
                        _ => MatchOperation.GreaterEqual,
                    };
                    return new RequirementMatch(valueOp, DataValue($"a value or timestamp after '{token.Text}'"));
                }

                default:
                    return RequirementMatch.Exists; // "empty ( exists )?"
            }
        }

        private bool IsTimestampStart() => Current.IsKeyword("timestamp") || Current.Kind == TokenKind.Date;

        private long Timestamp()
        {
            var token = Take();
            if (token.Kind == TokenKind.Date)
            {
                if (!RequirementTimestamp.TryParseDescription(token.Text, out var described))
                {
                    throw Error("a date like <2019-04-08 00:00:00 +0000>", token);
                }

                return described;
            }

            var value = Current;
            if (value.Kind != TokenKind.String)
            {
                throw Error("a quoted GeneralizedTime such as \"20190408000000Z\" after 'timestamp'");
            }

            Take();
            if (!RequirementTimestamp.TryParseGeneralizedTime(value.Text, out var seconds))
            {
                throw Error("a GeneralizedTime such as \"20190408000000Z\"", value);
            }

            return seconds;
        }

        private string BracketKey()
        {
            if (Current.Kind != TokenKind.LeftBracket)
            {
                throw Error("'['");
            }

            var open = Take();
            if (Current.Kind is not (TokenKind.DotKey or TokenKind.String))
            {
                throw Error("a key (dotted key or \"string\") inside '[ ]'");
            }

            var key = Take().Text;
            if (Current.Kind != TokenKind.RightBracket)
            {
                throw Error($"']' closing the '[' at {open.Line}:{open.Column}");
            }

            Take();
            return key;
        }

        private RequirementData DataValue(string expected)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.DotKey or TokenKind.String:
                    Take();
                    return RequirementData.FromString(token.Text);
                case TokenKind.HexConstant:
                    Take();
                    if (!TryHex(token.Text, out var bytes))
                    {
                        throw Error("an even number of hex digits", token);
                    }

                    return new RequirementData(bytes);
                default:
                    throw Error(expected);
            }
        }

        private string IdentifierString(string expected)
        {
            if (Current.Kind is TokenKind.DotKey or TokenKind.String)
            {
                return Take().Text;
            }

            throw Error(expected);
        }

        private RequirementData Sha1Hash(string expected)
        {
            var token = Current;
            if (token.Kind != TokenKind.Hash)
            {
                throw Error(expected);
            }

            // requirements.grammar hashString: exactly 2 * SHA1::digestLength digits.
            if (token.Text.Length != 40 || !TryHex(token.Text, out var bytes))
            {
                throw Error("a hash of exactly 40 hex digits (20 bytes)", token);
            }

            Take();
            return new RequirementData(bytes);
        }

        private int Integer()
        {
            var token = Current;
            if (token.Kind != TokenKind.Integer)
            {
                throw Error("a number");
            }

            // requirements.grammar: int32_t(atol(text)); values beyond 64 bits are rejected rather than guessed.
            if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw Error("a number that fits in 64 bits", token);
            }

            Take();
            return unchecked((int)value);
        }

        private void OptionalEquals()
        {
            if (Current.Kind is TokenKind.Equal or TokenKind.EqualEqual)
            {
                Take();
            }
        }

        private static bool TryHex(string hex, out byte[] bytes)
        {
            bytes = [];
            if (hex.Length % 2 != 0)
            {
                return false;
            }

            try
            {
                bytes = Convert.FromHexString(hex);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }
    }
}
