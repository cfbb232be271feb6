using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.Verification;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// Verifies the CMS signature of a code signature the way SEC <c>verifySignature</c> does (reference §6.2), with
/// .NET primitives only: <see cref="SignedCms"/> to decode, the signer's signature over the signed attributes as encoded
/// (<see cref="CmsSignerSignature"/>) with messageDigest over the slot-0 CodeDirectory, the hash-agility
/// attributes against our own cdhashes, the RFC 3161 token, and an <see cref="X509Chain"/> whose only trust anchors
/// are pinned Apple roots found in the signature's certificate bag (no system roots, no downloads, no revocation).
/// </summary>
public sealed class CmsSignatureVerifier
{
    private static readonly HashSet<string> s_handledCriticalExtensions =
    [
        "2.5.29.15", // keyUsage
        "2.5.29.19", // basicConstraints
        "2.5.29.37", // extKeyUsage
        "2.5.29.32", // certificatePolicies
        "2.5.29.17", // subjectAltName
        "2.5.29.30", // nameConstraints
        "2.5.29.36", // policyConstraints
        "2.5.29.54", // inhibitAnyPolicy
    ];

    private const int MaxCachedChains = 256;

    private readonly Func<ReadOnlyMemory<byte>, IReadOnlyList<byte[]>?>? _cdHashesPlistDecoder;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ChainEvaluation> _chainCache = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (CmsSignatureReport Report, List<Finding> Findings)> _resultCache = new(StringComparer.Ordinal);

    /// <param name="cdHashesPlistDecoder">
    /// Decodes the V1 attribute's XML plist into its <c>cdhashes</c> array (null result = undecodable). Without a
    /// decoder the V1 attribute is reported as unchecked, never as matching.
    /// </param>
    public CmsSignatureVerifier(Func<ReadOnlyMemory<byte>, IReadOnlyList<byte[]>?>? cdHashesPlistDecoder = null)
    {
        _cdHashesPlistDecoder = cdHashesPlistDecoder;
    }

    /// <summary>
    /// Verifies <paramref name="cms"/> over the slot-0 CodeDirectory of <paramref name="signature"/>. Never throws for
    /// hostile input: .NET decodes certificates and attributes lazily, so a corrupt structure can surface anywhere
    /// as a <see cref="CryptographicException"/>; it becomes a cms-signature-invalid finding.
    /// </summary>
    public CmsSignatureReport Verify(ReadOnlyMemory<byte> cms, CodeSignature signature, DateTimeOffset now,
        string architecture, string? path, List<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(findings);

        // The outcome is a pure function of the CMS bytes, the CodeDirectories it is checked against and the clock
        // (to the minute, for signatures without a secure timestamp), so a long-lived verifier re-checking unchanged
        // code reuses it; the key covers every input exactly.
        var key = ResultCacheKey(cms.Span, signature, now);
        if (_resultCache.TryGetValue(key, out var cached))
        {
            findings.AddRange(cached.Findings.Select(f => f with { Path = path, Architecture = architecture }));
            return cached.Report;
        }

        var produced = new List<Finding>();
        CmsSignatureReport report;
        try
        {
            report = VerifyCore(cms, signature, now, architecture, path, produced);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            produced.Add(new Finding(FindingKind.CmsSignatureInvalid, FindingSeverity.Error,
                $"CMS structure is corrupt: {e.Message}", path, architecture));
            report = new CmsSignatureReport { Classification = SignatureClassification.Untrusted };
        }

        findings.AddRange(produced);
        if (_resultCache.Count >= MaxCachedChains)
        {
            _resultCache.Clear();
        }

        _resultCache[key] = (report, produced);
        return report;
    }

    private static string ResultCacheKey(ReadOnlySpan<byte> cms, CodeSignature signature, DateTimeOffset now)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(cms);
        foreach (var entry in signature.CodeDirectories)
        {
            hash.AppendData(SHA256.HashData(entry.Directory.Bytes.Span));
        }

        return $"{Convert.ToHexString(hash.GetHashAndReset())}@{now.ToUnixTimeSeconds() / 60}";
    }

    private CmsSignatureReport VerifyCore(ReadOnlyMemory<byte> cms, CodeSignature signature, DateTimeOffset now,
        string architecture, string? path, List<Finding> findings)
    {
        var primary = signature.Primary ?? throw new ArgumentException("signature has no slot-0 CodeDirectory", nameof(signature));
        void Add(FindingKind kind, FindingSeverity severity, string detail) =>
            findings.Add(new Finding(kind, severity, detail, path, architecture));

        SignedCms signedCms;
        SignerInfo signer;
        try
        {
            signedCms = new SignedCms(new ContentInfo(primary.Bytes.ToArray()), detached: true);
            signedCms.Decode(cms.Span);
            if (signedCms.SignerInfos.Count != 1)
            {
                Add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, $"CMS has {signedCms.SignerInfos.Count} signers, expected one");
                return new CmsSignatureReport { Classification = SignatureClassification.Untrusted };
            }

            signer = signedCms.SignerInfos[0];
        }
        catch (CryptographicException e)
        {
            Add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, $"CMS blob cannot be decoded: {e.Message}");
            return new CmsSignatureReport { Classification = SignatureClassification.Untrusted };
        }

        // The signature is checked over the signed attributes as encoded in the message (CmsSignerSignature), never
        // through SignerInfo.CheckSignature, which re-encodes them in DER and so rejects Apple's multi-valued attributes.
        var raw = CmsSignerSignature.Read(cms);
        var signatureValid = false;
        if (signer.Certificate is not { } signerCertificate)
        {
            Add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, "the signer's certificate is not in the signature");
        }
        else if (raw.Verify(primary.Bytes.Span, signerCertificate) is { } problem)
        {
            Add(FindingKind.CmsSignatureInvalid, FindingSeverity.Error, $"CMS signature does not verify over the slot-0 CodeDirectory: {problem}");
        }
        else
        {
            signatureValid = true;
        }

        var declaredTime = ReadSigningTime(raw);
        var (cdHashesPlist, cdHashes2) = CheckHashAgility(raw, signature, Add);
        var (timestamp, hasToken) = CheckTimestamp(signedCms, signer, now, Add);

        var verificationTime = timestamp ?? now;
        var chainResult = BuildChain(signedCms, signer.Certificate, verificationTime, primary, Add);
        return new CmsSignatureReport
        {
            SignatureValid = signatureValid,
            DigestAlgorithm = signer.DigestAlgorithm.FriendlyName ?? signer.DigestAlgorithm.Value,
            Certificates = chainResult.Certificates,
            DeclaredSigningTime = declaredTime,
            TimestampedSigningTime = timestamp,
            HasTimestampToken = hasToken,
            ChainTrusted = chainResult.Trusted,
            Anchor = chainResult.Anchor,
            Classification = chainResult.Classification,
            CdHashesPlist = cdHashesPlist,
            CdHashes2 = cdHashes2,
            ChainVerificationTime = verificationTime,
        };
    }

    private static DateTimeOffset? ReadSigningTime(CmsSignerSignature signer)
    {
        foreach (var (oid, values) in signer.Attributes)
        {
            if (oid == AppleTrust.OidSigningTime && values.Count == 1)
            {
                try
                {
                    var time = new Pkcs9SigningTime(values[0].ToArray());
                    return new DateTimeOffset(time.SigningTime.ToUniversalTime(), TimeSpan.Zero);
                }
                catch (CryptographicException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private (IReadOnlyList<byte[]>? V1, IReadOnlyList<(string, byte[])>? V2) CheckHashAgility(CmsSignerSignature signer,
        CodeSignature signature, Action<FindingKind, FindingSeverity, string> add)
    {
        IReadOnlyList<byte[]>? v1 = null;
        List<(string, byte[])>? v2 = null;
        var directories = signature.CodeDirectories.Select(c => c.Directory).ToList();
        foreach (var (oid, values) in signer.Attributes)
        {
            if (oid == AppleTrust.OidCdHashesPlist)
            {
                v1 = CheckCdHashesPlist(values, directories, add);
            }
            else if (oid == AppleTrust.OidCdHashes2)
            {
                v2 = CheckCdHashes2(values, directories, add);
            }
        }

        return (v1, v2);
    }

    private IReadOnlyList<byte[]>? CheckCdHashesPlist(IReadOnlyList<ReadOnlyMemory<byte>> values, List<CodeDirectory> directories,
        Action<FindingKind, FindingSeverity, string> add)
    {
        if (_cdHashesPlistDecoder is null)
        {
            add(FindingKind.CdHashAttributeUnchecked, FindingSeverity.Warning,
                "the cdhashes plist attribute (1.2.840.113635.100.9.1) was not checked: no property-list decoder is available");
            return null;
        }

        IReadOnlyList<byte[]>? hashes = null;
        try
        {
            if (values.Count == 1)
            {
                // The value is an OCTET STRING holding the XML plist (SEC cmsattr.c).
                var plist = AsnDecoder.ReadOctetString(values[0].Span, AsnEncodingRules.BER, out _);
                hashes = _cdHashesPlistDecoder(plist);
            }
        }
        catch (AsnContentException)
        {
            hashes = null;
        }

        if (hashes is null)
        {
            add(FindingKind.CdHashAttributeMismatch, FindingSeverity.Error, "the cdhashes plist attribute cannot be decoded");
            return null;
        }

        // SEC: the list must equal the truncated cdhashes of all CodeDirectories in ascending hashType order.
        var expected = directories.OrderBy(d => (byte)d.HashType).Select(d => d.CdHash.ToArray()).ToList();
        if (hashes.Count != expected.Count || !hashes.Zip(expected).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
        {
            add(FindingKind.CdHashAttributeMismatch, FindingSeverity.Error,
                $"signed cdhashes plist [{string.Join(", ", hashes.Select(Convert.ToHexStringLower))}] differs from computed [{string.Join(", ", expected.Select(Convert.ToHexStringLower))}]");
        }

        return hashes;
    }

    private static List<(string, byte[])>? CheckCdHashes2(IReadOnlyList<ReadOnlyMemory<byte>> values, List<CodeDirectory> directories,
        Action<FindingKind, FindingSeverity, string> add)
    {
        var entries = new List<(string Oid, byte[] Hash)>();
        try
        {
            foreach (var value in values)
            {
                var reader = new AsnReader(value, AsnEncodingRules.DER);
                var sequence = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                var oid = sequence.ReadObjectIdentifier();
                var hash = sequence.ReadOctetString();
                sequence.ThrowIfNotEmpty();
                entries.Add((oid, hash));
            }
        }
        catch (AsnContentException e)
        {
            add(FindingKind.CdHashAttributeMismatch, FindingSeverity.Error, $"the cdhashes2 attribute cannot be decoded: {e.Message}");
            return null;
        }

        // SEC cmssiginfo.c: one entry per CodeDirectory, and each CD's full cdhash under its digest OID.
        if (entries.Count != directories.Count)
        {
            add(FindingKind.CdHashAttributeMismatch, FindingSeverity.Error,
                $"cdhashes2 has {entries.Count} entries for {directories.Count} CodeDirectories");
        }

        foreach (var cd in directories)
        {
            if (CodeHashing.DigestOid(cd.HashType) is not { } oid)
            {
                continue;
            }

            var match = entries.Where(e => e.Oid == oid).ToList();
            if (match.Count == 0 || !match.Any(e => e.Hash.AsSpan().SequenceEqual(cd.FullCdHash)))
            {
                add(FindingKind.CdHashAttributeMismatch, FindingSeverity.Error,
                    $"cdhashes2 has no entry equal to the {CodeHashing.Name(cd.HashType)} cdhash {Convert.ToHexStringLower(cd.FullCdHash)}");
            }
        }

        return entries;
    }

    private (DateTimeOffset? Time, bool HasToken) CheckTimestamp(SignedCms signedCms, SignerInfo signer, DateTimeOffset now,
        Action<FindingKind, FindingSeverity, string> add)
    {
        foreach (var attribute in signer.UnsignedAttributes)
        {
            if (attribute.Oid.Value != AppleTrust.OidTimestampToken || attribute.Values.Count == 0)
            {
                continue;
            }

            if (!Rfc3161TimestampToken.TryDecode(attribute.Values[0].RawData, out var token, out _))
            {
                add(FindingKind.TimestampInvalid, FindingSeverity.Error, "the timestamp token cannot be decoded");
                return (null, true);
            }

            // The token's message imprint must cover this signer's signature value, and its own signature must verify.
            if (!token.VerifySignatureForSignerInfo(signer, out var tsaCertificate, signedCms.Certificates) || tsaCertificate is null)
            {
                add(FindingKind.TimestampInvalid, FindingSeverity.Error, "the timestamp token does not verify over the signer's signature");
                return (null, true);
            }

            var genTime = token.TokenInfo.Timestamp;
            var extra = new X509Certificate2Collection(signedCms.Certificates);
            extra.AddRange(token.AsSignedCms().Certificates);
            var tsaChain = EvaluateChain(tsaCertificate, extra, genTime);
            if (!tsaChain.Trusted)
            {
                // SEC: with an Apple-anchored signer, the timestamp must also chain to an Apple root.
                add(FindingKind.TimestampInvalid, FindingSeverity.Warning,
                    $"the timestamp authority does not chain to a pinned Apple root ({tsaChain.Problem}); the timestamp is not used");
                return (null, true);
            }

            return (genTime, true);
        }

        return (null, false);
    }

    private sealed record ChainResult(bool Trusted, string? Anchor, IReadOnlyList<CertificateInfo> Certificates,
        SignatureClassification Classification);

    internal sealed record ChainEvaluation(bool Trusted, string? Anchor, string? Problem, List<X509Certificate2> Elements,
        List<(X509Certificate2 Certificate, DateTimeOffset NotBefore, DateTimeOffset NotAfter)> Expired);

    private ChainResult BuildChain(SignedCms signedCms, X509Certificate2? leaf, DateTimeOffset time, CodeDirectory primary,
        Action<FindingKind, FindingSeverity, string> add)
    {
        var bag = signedCms.Certificates.Select(CertificateInfo.From).ToList();
        if (leaf is null)
        {
            add(FindingKind.CertificateChainUntrusted, FindingSeverity.Error, "the signer's certificate is not in the signature");
            return new ChainResult(false, null, bag, SignatureClassification.Untrusted);
        }

        var evaluation = EvaluateChain(leaf, signedCms.Certificates, time);
        var certificates = evaluation.Elements.Select(CertificateInfo.From).ToList();
        add(FindingKind.RevocationNotChecked, FindingSeverity.Info, "certificate revocation not checked (offline)");
        if (!evaluation.Trusted)
        {
            add(FindingKind.CertificateChainUntrusted, FindingSeverity.Error,
                $"signer '{leaf.Subject}' does not chain to a pinned Apple root: {evaluation.Problem}");
            return new ChainResult(false, null, certificates, SignatureClassification.Untrusted);
        }

        foreach (var (certificate, notBefore, notAfter) in evaluation.Expired)
        {
            // SEC: without a secure timestamp, expiry alone leaves the signature valid-but-expired unless the CD asks
            // for expiration checks (flag 0x400, kSecCodeSignatureForceExpiration).
            var fatal = (primary.Flags & CodeDirectoryFlags.ForceExpiration) != 0;
            add(FindingKind.CertificateExpired, fatal ? FindingSeverity.Error : FindingSeverity.Warning,
                $"'{certificate.Subject}' is valid {notBefore:yyyy-MM-dd} to {notAfter:yyyy-MM-dd}, not at {time:yyyy-MM-ddTHH:mm:ssZ}");
        }

        var classification = Classify(evaluation.Elements, primary, add);
        return new ChainResult(true, evaluation.Anchor, certificates, classification);
    }

    /// <summary>
    /// Builds a chain with the pinned Apple roots from <paramref name="extra"/> as the only trust anchors and sorts
    /// its statuses into tolerated (Apple critical extensions, expiry — reported separately) and fatal.
    /// </summary>
    private ChainEvaluation EvaluateChain(X509Certificate2 leaf, X509Certificate2Collection extra, DateTimeOffset time)
    {
        // Chain building dominates the cost of a CMS check and its inputs repeat across files of one vendor (and
        // across architectures of one file), so results are cached by the exact certificates and the time to the second.
        var key = ChainCacheKey(leaf, extra, time);
        if (_chainCache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var evaluation = EvaluateChainUncached(leaf, extra, time);
        if (_chainCache.Count >= MaxCachedChains)
        {
            _chainCache.Clear();
        }

        _chainCache[key] = evaluation;
        return evaluation;
    }

    private static string ChainCacheKey(X509Certificate2 leaf, X509Certificate2Collection extra, DateTimeOffset time)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(leaf.RawDataMemory.Span);
        foreach (var certificate in extra)
        {
            hash.AppendData(certificate.RawDataMemory.Span);
        }

        return $"{Convert.ToHexString(hash.GetHashAndReset())}@{time.ToUnixTimeSeconds()}";
    }

    internal static ChainEvaluation EvaluateChainUncached(X509Certificate2 leaf, X509Certificate2Collection extra, DateTimeOffset time)
    {
        var roots = extra.Where(c => AppleTrust.RootPins.ContainsKey(c.GetCertHashString(HashAlgorithmName.SHA256))).ToList();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.Build(leaf);

        // Copies: the chain owns its element certificates and may release them when disposed (platform-dependent),
        // while the evaluation outlives it in reports and in the cache.
        var elements = chain.ChainElements.Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.RawDataMemory.Span)).ToList();
        var expired = new List<(X509Certificate2, DateTimeOffset, DateTimeOffset)>();
        var problems = new List<string>();
        foreach (var element in chain.ChainElements)
        {
            foreach (var status in element.ChainElementStatus)
            {
                switch (status.Status)
                {
                    case X509ChainStatusFlags.NoError:
                        break;
                    case X509ChainStatusFlags.NotTimeValid:
                        expired.Add((element.Certificate, element.Certificate.NotBefore.ToUniversalTime(), element.Certificate.NotAfter.ToUniversalTime()));
                        break;
                    case X509ChainStatusFlags.HasNotSupportedCriticalExtension:
                        // Apple marks its private extensions critical (reference §6.2); OpenSSL on Linux reports them as
                        // unsupported. Tolerate exactly those; any other unknown critical extension stays fatal.
                        var unknown = element.Certificate.Extensions
                            .Where(x => x.Critical && !s_handledCriticalExtensions.Contains(x.Oid?.Value ?? "")
                                && !(x.Oid?.Value ?? "").StartsWith(AppleTrust.AppleOidPrefix, StringComparison.Ordinal))
                            .Select(x => x.Oid?.Value).ToList();
                        if (unknown.Count > 0)
                        {
                            problems.Add($"'{element.Certificate.Subject}' has unsupported critical extensions {string.Join(", ", unknown)}");
                        }

                        break;
                    case X509ChainStatusFlags.RevocationStatusUnknown:
                    case X509ChainStatusFlags.OfflineRevocation:
                        break; // revocation is reported as "not checked (offline)"
                    default:
                        problems.Add($"'{element.Certificate.Subject}': {status.Status} {status.StatusInformation.Trim()}");
                        break;
                }
            }
        }

        var last = elements.Count > 0 ? elements[^1] : null;
        string? anchor = null;
        if (last is null || !AppleTrust.RootPins.TryGetValue(last.GetCertHashString(HashAlgorithmName.SHA256), out anchor))
        {
            problems.Add(roots.Count == 0
                ? "no pinned Apple root is available (the signature's certificates include none)"
                : $"the chain ends at '{last?.Subject}', not at a pinned Apple root");
        }

        return new ChainEvaluation(problems.Count == 0, problems.Count == 0 ? anchor : null,
            problems.Count == 0 ? null : string.Join("; ", problems), elements, expired);
    }

    /// <summary>Classification from the leaf and first intermediate OIDs (reference §6.3 profiles).</summary>
    private static SignatureClassification Classify(List<X509Certificate2> chain, CodeDirectory primary,
        Action<FindingKind, FindingSeverity, string> add)
    {
        var leaf = chain[0];
        var intermediate = chain.Count > 1 ? chain[1] : null;
        bool Leaf(string oid) => leaf.Extensions[oid] is not null;
        bool Intermediate(string oid) => intermediate?.Extensions[oid] is not null;

        var ekus = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>())
            .Select(o => o.Value).ToList();
        if (ekus.Count > 0 && !ekus.Contains(AppleTrust.CodeSigningEku))
        {
            // SecPolicyCreateCodeSigning: the leaf's EKU must include codeSigning.
            add(FindingKind.CertificatePolicyViolation, FindingSeverity.Error, "the leaf certificate's EKU does not include codeSigning");
        }

        var intermediateName = intermediate is null ? null : CertificateInfo.FirstAttribute(intermediate.SubjectName, "2.5.4.3");
        SignatureClassification result;
        if (Leaf(AppleTrust.LeafSoftwareSigning) || intermediateName == AppleTrust.AppleCodeSigningCaName)
        {
            result = SignatureClassification.Apple;
        }
        else if (Leaf(AppleTrust.LeafMacAppStore))
        {
            result = SignatureClassification.AppStore;
        }
        else if (Leaf(AppleTrust.LeafDeveloperIdApplication))
        {
            if (!Intermediate(AppleTrust.IntermediateDeveloperId))
            {
                add(FindingKind.CertificatePolicyViolation, FindingSeverity.Error,
                    "a Developer ID Application leaf must be issued by the Developer ID Certification Authority (1.2.840.113635.100.6.2.6)");
            }

            result = SignatureClassification.DeveloperId;
        }
        else if (Leaf(AppleTrust.LeafMacAppSigning) && Leaf(AppleTrust.LeafDistribution))
        {
            result = SignatureClassification.AppleDistribution;
        }
        else if (Leaf(AppleTrust.LeafAppleDevelopment) || Leaf(AppleTrust.LeafMacDeveloper))
        {
            result = SignatureClassification.AppleDevelopment;
        }
        else if (Leaf(AppleTrust.LeafMacAppSigning))
        {
            result = SignatureClassification.MacAppStoreSubmission;
        }
        else if (Leaf(AppleTrust.LeafDistribution))
        {
            result = SignatureClassification.AppleDistribution;
        }
        else
        {
            add(FindingKind.CertificatePolicyViolation, FindingSeverity.Error,
                "the leaf certificate chains to Apple but carries no code-signing profile OID this reader knows");
            result = SignatureClassification.Untrusted;
        }

        CheckTeamId(leaf, result, primary, add);
        return result;
    }

    private static void CheckTeamId(X509Certificate2 leaf, SignatureClassification classification, CodeDirectory primary,
        Action<FindingKind, FindingSeverity, string> add)
    {
        // SEC: applies when the CD has a team ID and the chain is an Apple developer chain; first OU must match.
        var developer = classification is SignatureClassification.DeveloperId or SignatureClassification.AppleDevelopment
            or SignatureClassification.AppleDistribution or SignatureClassification.MacAppStoreSubmission;
        if (!developer || primary.TeamId is null)
        {
            return;
        }

        var ou = CertificateInfo.FirstAttribute(leaf.SubjectName, "2.5.4.11");
        if (!string.Equals(ou, primary.TeamId, StringComparison.Ordinal))
        {
            add(FindingKind.TeamIdMismatch, FindingSeverity.Error,
                $"CodeDirectory team '{primary.TeamId}' differs from the leaf certificate OU '{ou}'");
        }
    }
}
