using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace SigWatch.Core.Seal;

/// <summary>
/// One CodeResources rule (SEC resources.h <c>ResourceBuilder::Rule</c>): a POSIX extended regular expression matched
/// unanchored against the resource-root-relative path, with a weight and the omit/optional/nested flags. Exclusions are
/// the verifier's implicit rules (bundlediskrep.cpp <c>adjustResources</c>) that win immediately.
/// </summary>
public sealed class ResourceRule
{
    // Patterns repeat across every bundle (Apple's defaults), so compiled expressions are shared.
    private const int MaxCompiled = 512;
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(KnownRulePatterns.TimeoutMilliseconds);
    private static readonly ConcurrentDictionary<string, Regex> s_compiled = new(StringComparer.Ordinal);

    private readonly LiteralPattern _literal;

    private ResourceRule(string pattern, LiteralPattern literal, double weight, bool omit, bool optional, bool nested, bool exclusion)
    {
        Pattern = pattern;
        _literal = literal;
        Regex = Compile(pattern, literal);
        Weight = weight;
        Omit = omit;
        Optional = optional;
        Nested = nested;
        Exclusion = exclusion;
    }

    public string Pattern { get; }

    public Regex Regex { get; }

    public double Weight { get; }

    public bool Omit { get; }

    public bool Optional { get; }

    public bool Nested { get; }

    public bool Exclusion { get; }

    /// <summary>Omitted or excluded: the path is not part of the seal.</summary>
    public bool IsOutsideSeal => Omit || Exclusion;

    /// <summary>
    /// Whether the rule matches. A match that exceeds the regex timeout (a hostile path against a backtracking pattern)
    /// counts as no match: the path is then outside the seal, so a sealed file there is reported missing, never trusted.
    /// </summary>
    public bool Matches(string relativePath)
    {
        if (_literal.Kind != LiteralKind.None)
        {
            return _literal.Matches(relativePath);
        }

        try
        {
            return Regex.IsMatch(relativePath);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <exception cref="SealFormatException">The pattern does not compile.</exception>
    public static ResourceRule Create(string pattern, double weight = 1, bool omit = false, bool optional = false, bool nested = false) =>
        new(pattern, LiteralPattern.Of(pattern), weight, omit, optional, nested, exclusion: false);

    public static ResourceRule CreateExclusion(string pattern) =>
        new(pattern, LiteralPattern.Of(pattern), 0, omit: false, optional: false, nested: false, exclusion: true);

    private static Regex Compile(string pattern, LiteralPattern literal)
    {
        try
        {
            // .NET's backtracking engine accepts every ERE construct Apple's rules use and measured faster here than
            // RegexOptions.NonBacktracking (1 s vs 3 s on a 1000-deep tree); the timeout bounds catastrophic backtracking.
            // The patterns come from the bundle: past MaxCompiled distinct ones (Apple's defaults are about twenty), a
            // pattern is interpreted and not kept, so hostile bundles can neither grow the cache nor make us compile IL
            // for each of their rules.
            if (KnownRulePatterns.Find(pattern) is { } precompiled)
            {
                return precompiled;
            }

            // A literal is matched by string comparison and never runs its expression: interpreted, not cached, so the
            // main executable's exclusion ("^MacOS/<name>$", one per bundle) emits no IL and takes no cache slot.
            if (literal.Kind != LiteralKind.None)
            {
                return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            }

            if (s_compiled.TryGetValue(pattern, out var known))
            {
                return known;
            }

            return s_compiled.Count < MaxCompiled
                ? s_compiled.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout))
                : new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new SealFormatException(SealFormatReason.InvalidRule, $"rule '{pattern}' is not a valid regular expression: {e.Message}");
        }
    }

    public override string ToString() => $"{Pattern} (weight {Weight}{(Omit ? ", omit" : "")}{(Optional ? ", optional" : "")}{(Nested ? ", nested" : "")}{(Exclusion ? ", exclusion" : "")})";
}

/// <summary>
/// An ordered rule list with SEC's selection (resources.cpp <c>ResourceBuilder::findRule</c>). Each path's result is
/// remembered (the rules never change), so re-verifying the same tree with the same set evaluates no expression.
/// </summary>
public sealed class ResourceRuleSet(IReadOnlyList<ResourceRule> exclusions, IReadOnlyList<ResourceRule> rules)
{
    private const int MaxRemembered = 1_000_000;

    // A plain dictionary under a lock: one walk at a time uses a rule set nearly always, and ConcurrentDictionary's
    // per-entry nodes and lock striping cost more than the expressions they save on a first walk (profiled).
    private readonly Dictionary<string, ResourceRule?> _remembered = new(StringComparer.Ordinal);
    private readonly Lock _rememberedLock = new();

    // An array: foreach over an interface boxes an enumerator per path.
    private readonly ResourceRule[] _exclusions = [.. exclusions];

    public IReadOnlyList<ResourceRule> Exclusions => _exclusions;

    public IReadOnlyList<ResourceRule> Rules { get; } = rules;

    // SEC's choice, made by order: the first match here is the greatest weight, an omitting rule first among equals,
    // then file order (OrderBy is stable). A typical resource is decided by "^Resources/" half-way down the list
    // instead of after every rule.
    private readonly ResourceRule[] _byPrecedence = [.. rules.OrderByDescending(r => r.Weight).ThenByDescending(r => r.Omit)];

    /// <summary>
    /// A matching exclusion wins at once; otherwise the matching rule with the strictly greatest weight. SEC breaks ties
    /// by CFDictionary iteration order, which is unspecified; here an omitting rule wins a tie (as SEC does on watchOS),
    /// else the first in file order. Apple's own seals need that: old iOS rules2 carry both <c>'^'</c> and
    /// <c>'^Info\.plist$' omit</c> at weight 20, and their files2 leaves Info.plist out. Null when nothing matches.
    /// </summary>
    public ResourceRule? FindRule(string relativePath)
    {
        lock (_rememberedLock)
        {
            if (_remembered.TryGetValue(relativePath, out var known))
            {
                return known;
            }
        }

        var rule = Select(relativePath);
        lock (_rememberedLock)
        {
            if (_remembered.Count < MaxRemembered)
            {
                _remembered.TryAdd(relativePath, rule);
            }
        }

        return rule;
    }

    private ResourceRule? Select(string relativePath)
    {
        foreach (var exclusion in _exclusions)
        {
            if (exclusion.Matches(relativePath))
            {
                return exclusion;
            }
        }

        foreach (var rule in _byPrecedence)
        {
            if (rule.Matches(relativePath))
            {
                return rule;
            }
        }

        return null;
    }
}
