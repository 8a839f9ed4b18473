extension Message {
    var persian: String {
        switch self {
        case .noSuchPath: return "در این نشانی منبعی وجود ندارد."
        case .methodNotAllowed: return "این روش برای این منبع مجاز نیست."
        case .bodyTooLarge: return "بدنهٔ درخواست بیش از حد بزرگ است."
        case .badRequest: return "درخواست معتبر نیست."
        case .internalError: return "سرور نتوانست به این درخواست پاسخ دهد. لطفاً بعداً دوباره تلاش کنید."
        case .invalidDataset: return "مجموعه‌داده معتبر نیست."
        }
    }
}
