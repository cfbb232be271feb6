using System.Security.Cryptography;
using SigWatch.Core.Verification;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// The key strings of SecCodeCopySigningInformation's dictionary. On a Mac they are read from the exported
/// kSecCodeInfo* constants; <see cref="Documented"/> holds the values listed in macos-integration.md §3.3 (SEC:SecCode.cpp)
/// for tests.
/// </summary>
public sealed record SigningInfoKeys(
    string Identifier,
    string TeamId,
    string Unique,
    string Flags,
    string EntitlementsDict,
    string Entitlements,
    string Time,
    string Timestamp,
    string Status)
{
    public static SigningInfoKeys Documented { get; } = new(
        "identifier", "teamid", "unique", "flags", "entitlements-dict", "entitlements", "signing-time", "signing-timestamp", "status");
}

/// <summary>
/// Maps SecCodeCopySigningInformation's dictionary (converted to .NET values) onto <see cref="SigningSummary"/>, the
/// shape the managed verifier also fills. Pure: tested on Linux with dictionaries shaped as §3.3 documents.
/// A value of an unexpected type is treated as absent (null), never coerced.
/// </summary>
public static class SigningInformationMapper
{
    /// <summary>
    /// The summary, or null for unsigned code (the dictionary lacks the identifier: the documented "is it signed?"
    /// test, §3.3). <paramref name="certificatesDer"/> is the kSecCodeInfoCertificates chain, leaf first, as DER.
    /// </summary>
    public static SigningSummary? ToSummary(IReadOnlyDictionary<string, object?> information, IReadOnlyList<byte[]> certificatesDer,
        string? designatedRequirement, SigningInfoKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(information);
        ArgumentNullException.ThrowIfNull(certificatesDer);
        keys ??= SigningInfoKeys.Documented;
        if (Get<string>(information, keys.Identifier) is not { } identifier)
        {
            return null;
        }

        return new SigningSummary(
            identifier,
            Get<string>(information, keys.TeamId),
            Get<byte[]>(information, keys.Unique) is { Length: > 0 } unique ? Convert.ToHexStringLower(unique) : null,
            UInt32(information, keys.Flags),
            certificatesDer.Select(der => Convert.ToHexStringLower(SHA256.HashData(der))).ToList(),
            Date(information, keys.Time),
            Date(information, keys.Timestamp),
            information.ContainsKey(keys.EntitlementsDict) || information.ContainsKey(keys.Entitlements),
            designatedRequirement);
    }

    /// <summary>kSecCodeInfoStatus of running code (kSecCSDynamicInformation); null when absent or not a uint32.</summary>
    public static SecCodeStatus? DynamicStatus(IReadOnlyDictionary<string, object?> information, SigningInfoKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(information);
        return UInt32(information, (keys ?? SigningInfoKeys.Documented).Status) is { } status ? (SecCodeStatus)status : null;
    }

    /// <summary>kSecCodeInfoFlags as <see cref="SecCodeSignatureFlags"/>; null when absent.</summary>
    public static SecCodeSignatureFlags? SignatureFlags(IReadOnlyDictionary<string, object?> information, SigningInfoKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(information);
        return UInt32(information, (keys ?? SigningInfoKeys.Documented).Flags) is { } flags ? (SecCodeSignatureFlags)flags : null;
    }

    private static T? Get<T>(IReadOnlyDictionary<string, object?> information, string key)
        where T : class =>
        information.TryGetValue(key, out var value) ? value as T : null;

    private static DateTimeOffset? Date(IReadOnlyDictionary<string, object?> information, string key) =>
        information.TryGetValue(key, out var value) && value is DateTimeOffset date ? date : null;

    private static uint? UInt32(IReadOnlyDictionary<string, object?> information, string key) =>
        information.TryGetValue(key, out var value) && value is long number && number is >= 0 and <= uint.MaxValue ? (uint)number : null;
}
