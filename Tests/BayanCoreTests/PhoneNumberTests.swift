import BayanCore
import Testing

/// Issue 16: organisations may give a WhatsApp number, typed as people type it.
@Suite struct PhoneNumbers {
    @Test func numbersAreReadAsPeopleTypeThem() {
        for typed in ["+963 912 345 678", "00963-912-345-678", "+963 (912) 345.678", "٠٠٩٦٣٩١٢٣٤٥٦٧٨", "+۹۶۳۹۱۲۳۴۵۶۷۸", "\u{200F}+963 912 345 678"] {
            #expect(PhoneNumber(typed)?.international == "+963912345678", "\(typed)")
        }
        #expect(PhoneNumber("+1 (555) 010-9999")?.international == "+15550109999")
        #expect(ContactDetails.joined(email: "a@example.org", phone: PhoneNumber("+963912345678")) == "a@example.org · +963912345678")
        #expect(ContactDetails.joined(email: nil, phone: PhoneNumber("+963912345678")) == "+963912345678")
    }

    @Test func aNumberWithoutItsCountryCodeOrWithLettersIsRefused() {
        for typed in ["0912345678", "912345678", "+963 abc 345", "+0963912345678", "+12345", "+1234567890123456", "+963+912345678", "00"] {
            #expect(PhoneNumber(typed) == nil, "\(typed)")
        }
    }
}
