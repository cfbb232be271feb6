using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SigWatch.Platform.Peers;

/// <summary>
/// A Darwin <c>audit_token_t</c>: eight 32-bit words, 32 bytes (XNU osfmk/mach/message.h). The words are decoded in
/// the order the kernel fills them (XNU bsd/kern/kern_prot.c <c>proc_calc_audit_token</c>): [0] audit uid, [1] euid,
/// [2] egid, [3] ruid, [4] rgid, [5] pid, [6] audit session id, [7] pidversion. The kernel asks callers not to rely
/// on that layout and to use libbsm's audit_token_to_* accessors instead; the decoded fields are for policy and logs,
/// while the token itself (the 32 bytes, unchanged) is what goes to SecCodeCopyGuestWithAttributes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct AuditToken : IEquatable<AuditToken>
{
    /// <summary>sizeof(audit_token_t); kSecGuestAttributeAudit rejects any other length (§3.1).</summary>
    public const int Size = 32;

    private readonly uint _w0, _w1, _w2, _w3, _w4, _w5, _w6, _w7;

    private AuditToken(ReadOnlySpan<uint> words)
    {
        _w0 = words[0];
        _w1 = words[1];
        _w2 = words[2];
        _w3 = words[3];
        _w4 = words[4];
        _w5 = words[5];
        _w6 = words[6];
        _w7 = words[7];
    }

    public uint AuditUserId => _w0;

    public uint EffectiveUserId => _w1;

    public uint EffectiveGroupId => _w2;

    public uint RealUserId => _w3;

    public uint RealGroupId => _w4;

    public int ProcessId => unchecked((int)_w5);

    public uint AuditSessionId => _w6;

    /// <summary>Changes on every fork and every exec (XNU kern_fork.c / kern_exec.c): pins "this pid running this image".</summary>
    public int PidVersion => unchecked((int)_w7);

    /// <summary>
    /// Reads a token as getsockopt(LOCAL_PEERTOKEN) returns it: eight host-order words. Every macOS SigWatch runs on
    /// (arm64, x86_64) is little-endian.
    /// </summary>
    public static AuditToken FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"an audit token is {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        Span<uint> words = stackalloc uint[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }

        return new AuditToken(words);
    }

    /// <summary>The 32 bytes exactly as the kernel produced them.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        uint[] words = [_w0, _w1, _w2, _w3, _w4, _w5, _w6, _w7];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        }

        return bytes;
    }

    /// <summary>
    /// True when <paramref name="later"/> no longer names the same process image: another pid, or the same pid after an
    /// exec or a pid reuse (pidversion differs). Re-read LOCAL_PEERTOKEN per request and reject on a change (§4.4).
    /// </summary>
    public bool ImageChanged(AuditToken later) => later.ProcessId != ProcessId || later.PidVersion != PidVersion;

    public bool Equals(AuditToken other) =>
        _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3
        && _w4 == other._w4 && _w5 == other._w5 && _w6 == other._w6 && _w7 == other._w7;

    public override bool Equals(object? obj) => obj is AuditToken other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_w1, _w5, _w7, _w6);

    public static bool operator ==(AuditToken left, AuditToken right) => left.Equals(right);

    public static bool operator !=(AuditToken left, AuditToken right) => !left.Equals(right);

    public override string ToString() =>
        $"pid {ProcessId} (version {PidVersion}), euid {EffectiveUserId}, egid {EffectiveGroupId}, ruid {RealUserId}, auid {AuditUserId}, asid {AuditSessionId}";
}
