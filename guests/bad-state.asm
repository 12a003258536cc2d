; bad-state: never runs. Its module line asks for a deliberately invalid
; start state (break=cs-l-and-d: CS.L and CS.D both set in a 64-bit
; guest); the software VM-entry checks must refuse it by name, before any
; VM entry. bochs-entry-check.test also boots it with check=off, so that
; the CPU's own VM entry fails and Keel decodes that.
; module: name=bad-state mode=long64 break=cs-l-and-d
%include "guests/lib/guest.inc"

bits 64
org 0x8000

start:
    FAIL("a guest with CS.L and CS.D both set ran")
    EXIT 1
