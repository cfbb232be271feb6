using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>Three-valued result: a requirement is satisfied only when that is decidable offline.</summary>
public enum RequirementOutcome
{
    Satisfied,
    NotSatisfied,

    /// <summary>Depends on something that cannot be decided offline or that the subject does not provide.</summary>
    Unknown,
}

/// <summary>The result of one leaf clause: what was required, what was seen, and why.</summary>
/// <param name="Clause">The clause as written (its canonical text is <c>Clause.ToString()</c>).</param>
/// <param name="Outcome">The clause's own outcome.</param>
/// <param name="Observed">The value actually seen, in requirement-language spelling (e.g. <c>"com.apple.zipinfo"</c>, <c>absent</c>), when there is one.</param>
/// <param name="Reason">A short sentence for humans.</param>
public sealed record ClauseEvaluation(RequirementExpression Clause, RequirementOutcome Outcome, string? Observed, string Reason)
{
    public override string ToString() => Observed is null ? $"{Clause}: {Reason}" : $"{Clause}: {Reason} (found {Observed})";
}

/// <summary>
/// The outcome of a requirement plus the clause that decided it: for <see cref="RequirementOutcome.NotSatisfied"/> the
/// first failing clause (evaluation order, as reqinterp.cpp walks the program), for
/// <see cref="RequirementOutcome.Unknown"/> the first undecidable clause that mattered.
/// </summary>
public sealed record RequirementEvaluation(
    RequirementOutcome Outcome, ClauseEvaluation? DecisiveClause, IReadOnlyList<ClauseEvaluation> Clauses)
{
    public bool IsSatisfied => Outcome == RequirementOutcome.Satisfied;

    /// <summary>One line, e.g. <c>not satisfied: identifier "com.apple.unzip": identifier differs (found "com.apple.zipinfo")</c>.</summary>
    public string Explanation => Outcome switch
    {
        RequirementOutcome.Satisfied => "satisfied",
        RequirementOutcome.NotSatisfied => $"not satisfied: {DecisiveClause}",
        _ => $"cannot be decided offline: {DecisiveClause}",
    };
}

/// <summary>
/// Evaluates requirement trees against an <see cref="IRequirementSubject"/>, following reqinterp.cpp clause by clause,
/// with three-valued logic: <c>and</c> is false if any side is false, <c>or</c> true if any side is true, <c>!</c>
/// keeps Unknown. Nothing that depends on the live system (kernel trust cache, user trust settings, notarization
/// service, Security.framework's named requirements, the legacy Developer ID policy) is guessed: it is Unknown.
/// </summary>
public sealed class RequirementEvaluator
{
    private readonly AppleRootCertificates _appleRoots;

    public RequirementEvaluator(AppleRootCertificates appleRoots)
    {
        ArgumentNullException.ThrowIfNull(appleRoots);
        _appleRoots = appleRoots;
    }

    /// <summary>An evaluator that trusts Apple's pinned roots.</summary>
    public static RequirementEvaluator Default { get; } = new(AppleRootCertificates.Pinned);

    public RequirementEvaluation Evaluate(Requirement requirement, IRequirementSubject subject)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        if (!requirement.IsSupported)
        {
            var clause = new ClauseEvaluation(new ConstantExpression(false), RequirementOutcome.Unknown, null,
                $"requirement form {requirement.Kind} is not supported");
            return new RequirementEvaluation(RequirementOutcome.Unknown, clause, [clause]);
        }

        return Evaluate(requirement.Expression, subject);
    }

    public RequirementEvaluation Evaluate(RequirementExpression expression, IRequirementSubject subject)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(subject);
        var clauses = new List<ClauseEvaluation>();
        var (outcome, decisive) = new Run(this, subject, clauses).Eval(expression);
        return new RequirementEvaluation(outcome, outcome == RequirementOutcome.Satisfied ? null : decisive, clauses);
    }

    private sealed class Run(RequirementEvaluator owner, IRequirementSubject subject, List<ClauseEvaluation> clauses)
    {
        // Operands are always both evaluated (reqinterp.cpp evaluates both sides too), so every clause is listed.
        public (RequirementOutcome Outcome, ClauseEvaluation? Decisive) Eval(RequirementExpression expression)
        {
            switch (expression)
            {
                case AndExpression and:
                {
                    var left = Eval(and.Left);
                    var right = Eval(and.Right);
                    if (left.Outcome == RequirementOutcome.NotSatisfied)
                    {
                        return left;
                    }

                    if (right.Outcome == RequirementOutcome.NotSatisfied)
                    {
                        return right;
                    }

                    return left.Outcome == RequirementOutcome.Unknown ? left : right;
                }

                case OrExpression or:
                {
                    var left = Eval(or.Left);
                    var right = Eval(or.Right);
                    if (left.Outcome == RequirementOutcome.Satisfied)
                    {
                        return left;
                    }

                    if (right.Outcome == RequirementOutcome.Satisfied)
                    {
                        return right;
                    }

                    // Both failed: the first failing alternative explains it. Unknown wins over failure.
                    if (left.Outcome == RequirementOutcome.Unknown)
                    {
                        return left;
                    }

                    return right.Outcome == RequirementOutcome.Unknown ? right : left;
                }

                case NotExpression not:
                {
                    var (inner, decisive) = Eval(not.Operand);
                    var flipped = inner switch
                    {
                        RequirementOutcome.Satisfied => RequirementOutcome.NotSatisfied,
                        RequirementOutcome.NotSatisfied => RequirementOutcome.Satisfied,
                        _ => RequirementOutcome.Unknown,
                    };
                    var reason = inner == RequirementOutcome.Unknown
                        ? decisive?.Reason ?? "operand undecided"
                        : $"negated clause is {(inner == RequirementOutcome.Satisfied ? "satisfied" : "not satisfied")}: {decisive?.Reason}";
                    return (flipped, new ClauseEvaluation(not, flipped, decisive?.Observed, reason));
                }

                case UnknownOperationExpression { IsSkip: true, Next: { } next }:
                    return Eval(next); // opGenericSkip: "skip and continue"
                default:
                    var clause = Leaf(expression);
                    clauses.Add(clause);
                    return (clause.Outcome, clause);
            }
        }

        private ClauseEvaluation Leaf(RequirementExpression expression)
        {
            try
            {
                return DecideLeaf(expression);
            }
            catch (CryptographicException ex)
            {
                // A certificate part that does not decode is not evidence either way.
                return Unknown(expression, ex.Message);
            }
        }

        private ClauseEvaluation DecideLeaf(RequirementExpression expression)
        {
            switch (expression)
            {
                case ConstantExpression c:
                    return Result(c, c.Value, null, c.Value ? "always true" : "never true");
                case IdentifierExpression id:
                    if (subject.Identifier is null)
                    {
                        return Unknown(id, "the identifier is not known");
                    }

                    var same = id.Identifier.Span.SequenceEqual(Encoding.UTF8.GetBytes(subject.Identifier));
                    return Result(id, same, Quote(subject.Identifier), same ? "identifier matches" : "identifier differs");
                case AppleGenericAnchorExpression generic:
                {
                    if (subject.Certificates is not { } chain)
                    {
                        return Unknown(generic, "the certificate chain is not known");
                    }

                    if (chain.Count == 0)
                    {
                        return Result(generic, false, "no certificates (ad-hoc)", "not anchored at an Apple root");
                    }

                    var anchored = owner._appleRoots.IsAppleRoot(chain[^1]);
                    return Result(generic, anchored, "root " + CertificateInspector.Describe(chain[^1]),
                        anchored ? "anchored at an Apple root" : "not anchored at an Apple root");
                }

                case AppleAnchorExpression apple:
                    return AppleAnchor(apple);
                case CertificateHashExpression hash:
                    return WithCertificate(hash, hash.Slot, cert =>
                    {
                        var actual = SHA1.HashData(cert.RawData);
                        var same = hash.Hash.Span.SequenceEqual(actual);
                        return Result(hash, same, $"H\"{Convert.ToHexStringLower(actual)}\"", same ? "certificate hash matches" : "certificate hash differs");
                    });
                case TrustedCertificatesExpression or TrustedCertificateExpression:
                    return Unknown(expression, "user and admin trust settings are only available on the Mac");
                case CdHashExpression cdhash:
                {
                    if (subject.CdHashes is not { Count: > 0 } hashes)
                    {
                        return Unknown(cdhash, "the cdhash is not known");
                    }

                    var match = hashes.Any(h => cdhash.Hash.Span.SequenceEqual(h));
                    return Result(cdhash, match, string.Join(" or ", hashes.Select(h => $"H\"{Convert.ToHexStringLower(h)}\"")),
                        match ? "cdhash matches" : "cdhash differs");
                }

                case PlatformExpression platform:
                    if (subject.PlatformIdentifier is not { } actualPlatform)
                    {
                        return Unknown(platform, "the platform identifier is not known");
                    }

                    return Result(platform, actualPlatform == platform.Platform, actualPlatform.ToString(CultureInfo.InvariantCulture),
                        actualPlatform == platform.Platform ? "platform matches" : "platform differs");
                case NotarizedExpression notarized:
                    return subject.Notarization == NotarizationState.Stapled
                        ? Result(notarized, true, "stapled ticket", "a verified notarization ticket is stapled")
                        : Unknown(notarized, "notarization is decided by Apple's notary service; no stapled ticket was verified");
                case LegacyDeveloperIdExpression:
                    return Unknown(expression, "the legacy Developer ID policy is evaluated by syspolicyd");
                case NamedAnchorExpression or NamedCodeExpression:
                    return Unknown(expression, "named requirements live inside Security.framework");
                case LegacyInfoExpression legacy:
                    return Dictionary(legacy, subject.InfoPlist, "Info.plist", legacy.Key, new RequirementMatch(MatchOperation.Equal, legacy.Value));
                case InfoExpression info:
                    return Dictionary(info, subject.InfoPlist, "Info.plist", info.Key, info.Match);
                case EntitlementExpression entitlement:
                    return Dictionary(entitlement, subject.Entitlements, "entitlements", entitlement.Key, entitlement.Match);
                case CertificateFieldExpression field:
                    return WithCertificate(field, field.Slot, cert => CertificateField(field, cert));
                case UnknownOperationExpression { IsSkip: true } skip:
                    return Unknown(skip, "a generic-skip opcode with no expression after it"); // only hand-built trees
                case UnknownOperationExpression unknown:
                    return Result(unknown, false, null, "unknown opcode marked generic-false evaluates to false");
                default:
                    throw new ArgumentException($"unsupported expression node {expression.GetType().Name}", nameof(expression));
            }
        }

        private ClauseEvaluation AppleAnchor(AppleAnchorExpression apple)
        {
            if (subject.Certificates is not { } chain)
            {
                return Unknown(apple, "the certificate chain is not known");
            }

            if (owner._appleRoots.IsAppleSoftwareSigned(chain))
            {
                return Result(apple, true, "leaf " + CertificateInspector.Describe(chain[0]), "signed by Apple Software Signing");
            }

            // reqinterp.cpp appleSigned first accepts any code whose cdhash is in the kernel trust cache (static or
            // loadable); such code may carry no certificates at all. Offline that cannot be ruled out for
            // certificate-less code, so it is Unknown rather than a possibly wrong "not satisfied".
            if (chain.Count == 0)
            {
                return Unknown(apple, "no certificates; only the kernel trust cache could make this Apple code");
            }

            return Result(apple, false, "leaf " + CertificateInspector.Describe(chain[0]), "not signed by Apple's Software Signing chain");
        }

        private ClauseEvaluation WithCertificate(RequirementExpression clause, int slot, Func<X509Certificate2, ClauseEvaluation> evaluate)
        {
            if (subject.Certificates is not { } chain)
            {
                return Unknown(clause, "the certificate chain is not known");
            }

            // requirement.cpp Context::cert: negative slots count from the anchor; out of range means "no certificate".
            var index = slot < 0 ? (long)slot + chain.Count : slot;
            if (index < 0 || index >= chain.Count)
            {
                return Result(clause, false, chain.Count == 0 ? "no certificates (ad-hoc)" : $"a chain of {chain.Count}",
                    "no certificate at that position");
            }

            return evaluate(chain[(int)index]);
        }

        private ClauseEvaluation CertificateField(CertificateFieldExpression field, X509Certificate2 cert)
        {
            switch (field.Kind)
            {
                case CertificateFieldKind.Subject:
                {
                    var key = field.Key.Text;
                    if (key == "email")
                    {
                        var emails = CertificateInspector.EmailAddresses(cert);
                        return Matched(field, field.Match, emails.Count == 0 ? null : emails.Cast<object?>().ToList());
                    }

                    if (!CertificateInspector.SubjectKeys.TryGetValue(key, out var oid))
                    {
                        return Result(field, false, null, $"'{key}' is not a certificate field Apple recognizes");
                    }

                    // reqinterp.cpp: a missing DN component fails outright (it is not matched as "absent").
                    var value = CertificateInspector.SubjectAttribute(cert, oid);
                    return value is null
                        ? Result(field, false, "absent", $"the certificate has no {key}")
                        : Matched(field, field.Match, value);
                }

                case CertificateFieldKind.Extension:
                {
                    var present = RequirementOid.TryToDotted(field.Key.Span, out var oid) && CertificateInspector.HasExtension(cert, oid);
                    return Matched(field, field.Match, present ? true : null);
                }

                case CertificateFieldKind.Policy:
                {
                    var present = RequirementOid.TryToDotted(field.Key.Span, out var oid) && CertificateInspector.HasPolicy(cert, oid);
                    return Matched(field, field.Match, present ? true : null);
                }

                default:
                {
                    var date = RequirementOid.TryToDotted(field.Key.Span, out var oid) ? CertificateInspector.DateExtension(cert, oid) : null;
                    return Matched(field, field.Match, date);
                }
            }
        }

        private ClauseEvaluation Dictionary(
            RequirementExpression clause, IReadOnlyDictionary<string, object?>? dictionary, string what, RequirementData key, RequirementMatch match)
        {
            if (dictionary is null)
            {
                return Unknown(clause, $"the {what} are not known");
            }

            dictionary.TryGetValue(key.Text, out var value);
            return Matched(clause, match, value);
        }

        private ClauseEvaluation Matched(RequirementExpression clause, RequirementMatch match, object? candidate)
        {
            var ok = RequirementMatcher.Matches(match, candidate);
            return Result(clause, ok, RequirementMatcher.Describe(candidate), ok ? "matches" : "does not match");
        }

        private static ClauseEvaluation Result(RequirementExpression clause, bool satisfied, string? observed, string reason) =>
            new(clause, satisfied ? RequirementOutcome.Satisfied : RequirementOutcome.NotSatisfied, observed, reason);

        private static ClauseEvaluation Unknown(RequirementExpression clause, string reason) =>
            new(clause, RequirementOutcome.Unknown, null, reason);

        private static string Quote(string text)
        {
            var builder = new StringBuilder();
            RequirementTextWriter.AppendData(builder, Encoding.UTF8.GetBytes(text), dotOkay: false, readable: true);
            return builder.ToString();
        }
    }
}

/// <summary>reqinterp.cpp <c>Match::operator()</c> over plain .NET values.</summary>
internal static class RequirementMatcher
{
    public static bool Matches(RequirementMatch match, object? candidate)
    {
        // kCFNull: only "absent" matches.
        if (candidate is null)
        {
            return match.Operation == MatchOperation.Absent;
        }

        // An array matches when any element does; failing that, the array itself is tried below.
        if (candidate is IEnumerable list and not string and not byte[] and not IDictionary
            && !IsDictionary(candidate))
        {
            foreach (var element in list)
            {
                if (Matches(match, element))
                {
                    return true;
                }
            }
        }

        var value = match.Value?.Text;
        switch (match.Operation)
        {
            case MatchOperation.Absent:
                return false;
            case MatchOperation.Exists:
                return candidate is not false;
            case MatchOperation.Equal:
                return candidate is string s && s == value; // CFEqual: a string never equals a number, date or boolean
            case MatchOperation.Contains:
                return candidate is string c && value is not null && c.Contains(value, StringComparison.Ordinal);
            case MatchOperation.BeginsWith:
                return candidate is string b && value is not null && b.StartsWith(value, StringComparison.Ordinal);
            case MatchOperation.EndsWith:
                return candidate is string e && value is not null && e.EndsWith(value, StringComparison.Ordinal);
            case MatchOperation.LessThan:
                return Compare(candidate, value) is < 0;
            case MatchOperation.GreaterThan:
                return Compare(candidate, value) is > 0;
            case MatchOperation.LessEqual:
                return Compare(candidate, value) is <= 0;
            case MatchOperation.GreaterEqual:
                return Compare(candidate, value) is >= 0;
            case MatchOperation.On or MatchOperation.Before or MatchOperation.After or MatchOperation.OnOrBefore or MatchOperation.OnOrAfter:
            {
                if (AsDate(candidate) is not { } date || match.Timestamp is not { } seconds
                    || !RequirementTimestamp.TryToDateTime(seconds, out var required))
                {
                    return false;
                }

                var order = date.CompareTo(required);
                return match.Operation switch
                {
                    MatchOperation.On => order == 0,
                    MatchOperation.Before => order < 0,
                    MatchOperation.After => order > 0,
                    MatchOperation.OnOrBefore => order <= 0,
                    _ => order >= 0,
                };
            }

            default:
                return false; // "unrecognized match types can never match"
        }
    }

    // Without reflection over the candidate's interfaces (the CLI is compiled ahead of time): the subjects' values are
    // Dictionary<string, object?> (RequirementSubjects.ToClr), and every BCL dictionary is a non-generic IDictionary.
    private static bool IsDictionary(object candidate) =>
        candidate is IReadOnlyDictionary<string, object?> or System.Collections.IDictionary;

    private static DateTime? AsDate(object candidate) => candidate switch
    {
        DateTime d => d.ToUniversalTime(),
        DateTimeOffset o => o.UtcDateTime,
        _ => null,
    };

    private static int? Compare(object candidate, string? value) =>
        candidate is string s && value is not null ? NumericStringComparer.Compare(s, value) : null;

    public static string? Describe(object? candidate) => candidate switch
    {
        null => "absent",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        DateTime or DateTimeOffset => "<" + RequirementTextWriter.DescribeTimestamp(RequirementTimestamp.FromDateTime(AsDate(candidate)!.Value)) + ">",
        IEnumerable list and not IDictionary when !IsDictionary(candidate) => "[" + string.Join(", ", list.Cast<object?>().Select(Describe)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => candidate.ToString(),
    };

    private static string Quote(string text)
    {
        var builder = new StringBuilder();
        RequirementTextWriter.AppendData(builder, Encoding.UTF8.GetBytes(text), dotOkay: false, readable: true);
        return builder.ToString();
    }
}

/// <summary>
/// CFStringCompare with kCFCompareNumerically, as reqinterp.cpp uses for &lt; &gt; &lt;= &gt;=: runs of ASCII digits
/// compare by numeric value ("1.10" &gt; "1.9"), everything else by UTF-16 code unit. [?] CF's non-ASCII collation
/// details are not reproduced; version strings, the real use, are ASCII.
/// </summary>
internal static class NumericStringComparer
{
    public static int Compare(string left, string right)
    {
        int i = 0, j = 0;
        while (i < left.Length && j < right.Length)
        {
            if (char.IsAsciiDigit(left[i]) && char.IsAsciiDigit(right[j]))
            {
                var si = i;
                var sj = j;
                while (i < left.Length && char.IsAsciiDigit(left[i]))
                {
                    i++;
                }

                while (j < right.Length && char.IsAsciiDigit(right[j]))
                {
                    j++;
                }

                var a = left.AsSpan(si, i - si).TrimStart('0');
                var b = right.AsSpan(sj, j - sj).TrimStart('0');
                if (a.Length != b.Length)
                {
                    return a.Length < b.Length ? -1 : 1;
                }

                var digits = a.SequenceCompareTo(b);
                if (digits != 0)
                {
                    return Math.Sign(digits);
                }

                continue;
            }

            if (left[i] != right[j])
            {
                return left[i] < right[j] ? -1 : 1;
            }

            i++;
            j++;
        }

        return (left.Length - i).CompareTo(right.Length - j) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }
}
